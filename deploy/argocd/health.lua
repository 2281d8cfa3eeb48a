-- Argo CD health check for specmesh.io/DataProduct.
-- Install: the key resource.customizations.health.specmesh.io_DataProduct of the argocd-cm
-- ConfigMap (deploy/argocd/argocd-cm.yaml holds this very script; docs/gitops.md says how).
-- It reads the kstatus conditions the operator writes (Ready, Reconciling, Stalled) and
-- status.observedGeneration:
--   no status yet, or status of an older generation      -> Progressing
--   spec.suspend: true                                    -> Suspended (Ready's message)
--   Stalled=True (InvalidSpec, DomainConflict, ...)       -> Degraded (reason: message)
--   Reconciling=True (applying, retrying, deleting)       -> Progressing
--   Ready=True                                            -> Healthy
--   Ready=False                                           -> Degraded (reason: message)
-- Argo CD runs custom checks without Lua's string library (only base, table and package), so
-- this script uses nothing else: no string.*, no os.*.
local hs = { status = "Progressing", message = "waiting for the specmesh operator" }

if obj.status == nil or obj.status.conditions == nil then
  return hs
end

local function condition(kind)
  for _, c in ipairs(obj.status.conditions) do
    if c.type == kind then
      return c
    end
  end
  return nil
end

local function text(c, fallback)
  if c == nil then
    return fallback
  end
  if c.message ~= nil and c.message ~= "" then
    if c.reason ~= nil and c.reason ~= "" then
      return c.reason .. ": " .. c.message
    end
    return c.message
  end
  if c.reason ~= nil and c.reason ~= "" then
    return c.reason
  end
  return fallback
end

local generation = obj.metadata.generation
local observed = obj.status.observedGeneration
if generation ~= nil and (observed == nil or observed < generation) then
  hs.message = "waiting for the operator to observe generation " .. generation
  return hs
end

local ready = condition("Ready")
local reconciling = condition("Reconciling")
local stalled = condition("Stalled")

if obj.spec ~= nil and obj.spec.suspend == true then
  hs.status = "Suspended"
  hs.message = "suspended"
  if ready ~= nil and ready.message ~= nil and ready.message ~= "" then
    hs.message = ready.message
  end
  return hs
end
if stalled ~= nil and stalled.status == "True" then
  hs.status = "Degraded"
  hs.message = text(stalled, "stalled")
  return hs
end
if reconciling ~= nil and reconciling.status == "True" then
  hs.message = text(reconciling, "reconciling")
  return hs
end
if ready ~= nil and ready.status == "True" then
  hs.status = "Healthy"
  hs.message = text(ready, "ready")
  return hs
end
if ready ~= nil and ready.status == "False" then
  if ready.reason == "Reconciling" or ready.reason == "Progressing" or ready.reason == "Deleting" then
    hs.message = text(ready, "reconciling")
    return hs
  end
  hs.status = "Degraded"
  hs.message = text(ready, "not ready")
  return hs
end
return hs
