{{- define "specmesh.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "specmesh.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else if contains (include "specmesh.name" .) .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name (include "specmesh.name" .) | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "specmesh.labels" -}}
app.kubernetes.io/name: {{ include "specmesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- /* a version with build metadata (0.1.0+abc, as Flux packages a chart from Git) has a "+", which a label value may not */}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end -}}

{{- define "specmesh.selectorLabels" -}}
app.kubernetes.io/name: {{ include "specmesh.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "specmesh.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "specmesh.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- default "default" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "specmesh.secretName" -}}
{{- default (printf "%s-connection" (include "specmesh.fullname" .)) .Values.connection.existingSecret -}}
{{- end -}}

{{/* repository:tag, or repository@digest when a digest is pinned */}}
{{- define "specmesh.image" -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) -}}
{{- end -}}
{{- end -}}

{{- define "specmesh.leaseName" -}}
{{- default (include "specmesh.fullname" .) .Values.operator.leaseName -}}
{{- end -}}

{{/* Refuse settings that cannot work, at render time (helm install/template/lint). */}}
{{- define "specmesh.validate" -}}
{{- if and (gt (int .Values.replicaCount) 1) (not .Values.operator.leaderElect) -}}
{{- fail "replicaCount > 1 needs operator.leaderElect=true: two active replicas would reconcile the same DataProducts at once" -}}
{{- end -}}
{{- if gt (len .Values.operator.watchNamespaces) 1 -}}
{{- fail "operator.watchNamespaces: the operator watches one namespace or all; install one release per namespace" -}}
{{- end -}}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.service.enabled) -}}
{{- fail "metrics.serviceMonitor.enabled needs metrics.service.enabled" -}}
{{- end -}}
{{- end -}}
