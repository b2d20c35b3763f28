// Lint Cypher files with Neo4j's own front end (@neo4j-cypher/language-support).
//
// Usage: node lint.mjs [--schema SCHEMA.json] FILE...
//
// Each file is linted twice with lintCypherQuery: once with an empty database schema
// (syntax and semantic analysis: undefined variables, type errors, deprecations) and,
// when --schema is given, once more with that schema, so a misspelt label,
// relationship type or property key is reported too. "Parameter $x is not defined"
// notices are expected (values arrive at run time) and left out; every other
// diagnostic is reported. Prints one JSON object on stdout:
//   {"checker": VERSION, "files": [{"file", "statements", "diagnostics": [
//     {"line", "column", "severity", "message", "pass"}]}]}
// (line and column 1-based; severity "error" or "warning"). Exit status 0 when it
// ran, whatever it found; 2 on a usage error.
import { readFileSync } from 'node:fs';
import { lintCypherQuery, isNotParamError } from '@neo4j-cypher/language-support';

// The package's exports map hides package.json, so read the installed file itself.
const { version } = JSON.parse(
  readFileSync(
    new URL('./node_modules/@neo4j-cypher/language-support/package.json', import.meta.url),
    'utf8',
  ),
);

const args = process.argv.slice(2);
let schema = null;
if (args[0] === '--schema') {
  schema = JSON.parse(readFileSync(args[1], 'utf8'));
  args.splice(0, 2);
}
if (args.length === 0) {
  process.stderr.write('usage: node lint.mjs [--schema SCHEMA.json] FILE...\n');
  process.exit(2);
}

const SEVERITY = { 1: 'error', 2: 'warning', 3: 'information', 4: 'hint' };

function lint(text, dbSchema, pass) {
  // Console commands (:param and friends) are a Browser feature the driver cannot
  // run, so they count as errors here.
  const result = lintCypherQuery(text, dbSchema, { consoleCommandsEnabled: false });
  const diagnostics = result.diagnostics.filter(isNotParamError).map((d) => ({
    line: d.range.start.line + 1,
    column: d.range.start.character + 1,
    severity: SEVERITY[d.severity] ?? String(d.severity),
    message: d.message,
    pass,
  }));
  return { statements: result.symbolTables.length, diagnostics };
}

const files = args.map((file) => {
  const text = readFileSync(file, 'utf8');
  const plain = lint(text, {}, 'empty-schema');
  const diagnostics = [...plain.diagnostics];
  if (schema !== null) {
    const seen = new Set(diagnostics.map((d) => `${d.line}:${d.column}:${d.message}`));
    for (const d of lint(text, schema, 'model-schema').diagnostics) {
      if (!seen.has(`${d.line}:${d.column}:${d.message}`)) diagnostics.push(d);
    }
  }
  return { file, statements: plain.statements, diagnostics };
});

process.stdout.write(JSON.stringify({ checker: version, files }) + '\n');
