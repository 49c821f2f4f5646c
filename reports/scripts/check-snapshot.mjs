#!/usr/bin/env node
// Opens a published snapshot read-only with the exact @duckdb/node-api binding that Evidence's
// DuckDB connector (@evidence-dev/duckdb) resolves, and prints
//   {"tables": [...], "indicator_results_rows": N}
// as one line of JSON on stdout (diagnostics go to stderr).
//
// Usage (from reports/, after `npm ci`):  node scripts/check-snapshot.mjs /abs/path/finsam.duckdb
// Exit codes: 0 ok; 1 cannot open/read the file; 2 usage or binding missing;
//             3 opened, but main.indicator_results is missing (JSON still printed, rows null).
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const reportsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const file = process.argv[2];
if (!file || process.argv.length > 3) {
	console.error('usage: node scripts/check-snapshot.mjs /abs/path/finsam.duckdb');
	process.exit(2);
}
const dbPath = path.resolve(file);
if (!fs.existsSync(dbPath) || !fs.statSync(dbPath).isFile()) {
	console.error(`check-snapshot: no such file: ${dbPath}`);
	process.exit(1);
}

// Resolve @duckdb/node-api the way the connector does: from the connector's own location.
let nodeApi;
try {
	const connectorRequire = createRequire(
		path.join(reportsDir, 'node_modules', '@evidence-dev', 'duckdb', 'index.cjs')
	);
	const apiPath = connectorRequire.resolve('@duckdb/node-api');
	nodeApi = connectorRequire('@duckdb/node-api');
	const pkgDir = path.dirname(path.dirname(apiPath));
	const version = JSON.parse(fs.readFileSync(path.join(pkgDir, 'package.json'), 'utf8')).version;
	console.error(`check-snapshot: @duckdb/node-api ${version} (${pkgDir})`);
} catch (e) {
	console.error(`check-snapshot: cannot load @duckdb/node-api via @evidence-dev/duckdb (run npm ci in reports/): ${e.message}`);
	process.exit(2);
}

const { DuckDBInstance } = nodeApi;
let instance;
let connection;
try {
	instance = await DuckDBInstance.create(dbPath, { access_mode: 'READ_ONLY' });
	connection = await instance.connect();
	const tablesReader = await connection.runAndReadAll(
		"select table_name from duckdb_tables() where database_name = current_database() and schema_name = 'main' order by table_name"
	);
	const tables = tablesReader.getRowObjectsJS().map((r) => String(r.table_name));
	let rows = null;
	if (tables.includes('indicator_results')) {
		const countReader = await connection.runAndReadAll('select count(*) as n from main.indicator_results');
		rows = Number(countReader.getRowObjectsJS()[0].n);
	}
	process.stdout.write(JSON.stringify({ tables, indicator_results_rows: rows }) + '\n');
	if (rows === null) {
		console.error('check-snapshot: table main.indicator_results is missing');
		process.exitCode = 3;
	}
} catch (e) {
	console.error(`check-snapshot: cannot read ${dbPath}: ${e.message}`);
	process.exitCode = 1;
} finally {
	try {
		connection?.closeSync();
		instance?.closeSync();
	} catch {
		/* ignore */
	}
}
