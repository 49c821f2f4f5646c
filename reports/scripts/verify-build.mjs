#!/usr/bin/env node
// Checks a finished `evidence build` in reports/build/: every indicator and every association in the
// data that `npm run sources` extracted has a prerendered page, and the overview and about pages exist.
// Reads the extracted parquet files with the @duckdb/node-api that the duckdb connector uses.
// Usage (from reports/): node scripts/verify-build.mjs      Exit 0 ok, 1 pages missing, 2 setup error.
import { createRequire } from 'node:module';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const reportsDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const dataDir = path.join(reportsDir, '.evidence', 'template', 'static', 'data', 'finsam');
const buildDir = path.join(reportsDir, 'build');

const connectorRequire = createRequire(
	path.join(reportsDir, 'node_modules', '@evidence-dev', 'duckdb', 'index.cjs')
);
const { DuckDBInstance } = connectorRequire('@duckdb/node-api');

const parquet = (name) => path.join(dataDir, name, `${name}.parquet`);
for (const name of ['indikatorer', 'samordningsforbund']) {
	if (!fs.existsSync(parquet(name))) {
		console.error(`verify-build: ${parquet(name)} missing: run npm run sources first`);
		process.exit(2);
	}
}
if (!fs.existsSync(buildDir)) {
	console.error('verify-build: build/ missing: run the build first');
	process.exit(2);
}

const instance = await DuckDBInstance.create(':memory:');
const connection = await instance.connect();
const read = async (sql) => (await connection.runAndReadAll(sql)).getRowObjectsJS();
const indicators = (
	await read(`select cast(indicator_number as integer) as n from read_parquet('${parquet('indikatorer')}') order by 1`)
).map((r) => String(r.n));
const associations = (
	await read(`select forbund_id as id from read_parquet('${parquet('samordningsforbund')}') order by 1`)
).map((r) => String(r.id));
connection.closeSync();
instance.closeSync();

const expected = [
	'index.html',
	'metod/index.html',
	'datakvalitet/index.html',
	'ladda-ner/index.html',
	'indikatorer/index.html',
	'forbund/index.html',
	...indicators.map((n) => `indikatorer/${n}/index.html`),
	...associations.map((id) => `forbund/${id}/index.html`)
];
const missing = expected.filter((p) => !fs.existsSync(path.join(buildDir, p)));
const summary = {
	indicator_pages: indicators.length,
	association_pages: associations.length,
	missing
};
console.log(JSON.stringify(summary));
if (missing.length > 0) {
	console.error(`verify-build: ${missing.length} expected page(s) missing from build/`);
	process.exit(1);
}
