// Validate Backstage catalog entities (a YAML stream of JSON documents, as `specmesh catalogue
// -o backstage` writes them) against the entity JSON schemas that @backstage/catalog-model
// publishes, with ajv. Also checks what the schemas cannot: names Backstage's validator accepts,
// and that every relation points at an entity in the same stream.
//   node backstage-validate.cjs FILE   (NODE_PATH must hold @backstage/catalog-model and ajv)
'use strict';
const fs = require('fs');
const path = require('path');
const Ajv = require('ajv');
const model = require('@backstage/catalog-model');

const dist = path.join(path.dirname(require.resolve('@backstage/catalog-model')));
const ajv = new Ajv({ allErrors: true, strict: false });
function walk(dir) {
  for (const f of fs.readdirSync(dir)) {
    const p = path.join(dir, f);
    if (fs.statSync(p).isDirectory()) walk(p);
    else if (f.endsWith('.schema.json.cjs.js')) ajv.addSchema(require(p).default);
  }
}
walk(path.join(dist, 'schema'));

const docs = fs.readFileSync(process.argv[2], 'utf8').split(/^---$/m)
  .map(s => s.trim()).filter(Boolean).map(s => JSON.parse(s));
const ids = { Domain: 'DomainV1alpha1', System: 'SystemV1alpha1', API: 'ApiV1alpha1',
  Component: 'ComponentV1alpha1', Resource: 'ResourceV1alpha1' };
const names = new Set(docs.map(e => `${e.kind.toLowerCase()}:${e.metadata.name}`));
const policy = new model.FieldFormatEntityPolicy();
let bad = 0;
(async () => {
  for (const e of docs) {
    const where = `${e.kind} ${e.metadata && e.metadata.name}`;
    const v = ajv.getSchema(ids[e.kind]);
    if (!v) { console.log(`FAIL ${where}: no schema for kind`); bad++; continue; }
    if (!v(e)) { console.log(`FAIL ${where}: ${ajv.errorsText(v.errors)}`); bad++; }
    try { await policy.enforce(e); } catch (err) { console.log(`FAIL ${where}: ${err.message}`); bad++; }
    const s = e.spec || {};
    const refs = [].concat(s.providesApis || [], s.consumesApis || [], s.dependsOn || [],
      s.system ? [`system:${s.system}`] : [], s.domain ? [`domain:${s.domain}`] : []);
    for (const r of refs) if (!names.has(r)) { console.log(`FAIL ${where}: ${r} is not in the stream`); bad++; }
  }
  console.log(`${docs.length} entities, ${bad} problems`);
  process.exit(bad ? 1 : 0);
})();
