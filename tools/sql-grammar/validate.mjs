// Checks SQL against Trino's grammar (Athena engine v3) or Hive's (Athena DDL) with dt-sql-parser.
// Input on stdin: JSON [{ "name": "...", "dialect": "trino" | "hive", "sql": "..." }].
// Output on stdout: JSON [{ "name": "...", "errors": [{ "line": 1, "column": 1, "message": "..." }] }].
import { register } from 'node:module';

register('./resolve-hooks.mjs', import.meta.url);
const { TrinoSQL, HiveSQL } = await import('dt-sql-parser');

const parsers = { trino: new TrinoSQL(), hive: new HiveSQL() };
let input = '';
process.stdin.setEncoding('utf8');
for await (const chunk of process.stdin) input += chunk;
const results = JSON.parse(input).map(({ name, dialect, sql }) => {
  const parser = parsers[dialect];
  if (!parser) return { name, errors: [{ line: 0, column: 0, message: `unknown dialect ${dialect}` }] };
  const errors = parser.validate(sql).map(e => ({ line: e.startLine, column: e.startColumn, message: e.message }));
  return { name, errors };
});
process.stdout.write(JSON.stringify(results));
