// Validates every object of a rendered manifest (kubectl kustomize output, a file path as the argument) against the
// Kubernetes OpenAPI schemas that kubernetes-models compiles: types, formats, enums and required fields.
// Unknown fields are caught by the C# side (KubernetesClient's strict YAML loading). Exits 1 on any problem.
import { readFileSync } from "node:fs";
import { parseAllDocuments } from "yaml";

const problems = [];
let count = 0;
for (const doc of parseAllDocuments(readFileSync(process.argv[2], "utf8"))) {
  const object = doc.toJS();
  if (!object) continue;
  const { apiVersion, kind } = object;
  const where = `${kind}/${object.metadata?.name}`;
  let Model;
  try {
    ({ [kind]: Model } = await import(`kubernetes-models/${apiVersion}/${kind}`));
  } catch {
    problems.push(`${where}: no schema for ${apiVersion} ${kind}`);
    continue;
  }
  try {
    new Model(object).validate();
    count++;
  } catch (error) {
    problems.push(`${where}: ${error.message}`);
  }
}
for (const problem of problems) console.error(problem);
console.log(`${count} objects valid, ${problems.length} problems`);
process.exit(problems.length === 0 && count > 0 ? 0 : 1);
