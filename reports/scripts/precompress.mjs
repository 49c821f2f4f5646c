// Writes a Brotli (.br) and a gzip (.gz) copy beside every compressible file of a built site, as
// static hosts serve them (nginx gzip_static/brotli_static, most CDNs) and as `finsam serve`
// does: a browser that accepts them downloads a fraction of the bytes.
//   node scripts/precompress.mjs <folder> [--cache <folder>]
// Only text-like files of at least 1 KiB; Parquet, images and fonts are compressed already.
// With --cache, the compressed copies of the bundle's files (_app/immutable/, named by their
// content, the same from one build to the next while the bundle is kept) are kept there under
// the SHA-256 of their bytes and copied instead of compressed again: the DuckDB engine's 40 MB
// took most of the time. The cache then holds exactly the files this build used.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { extname, join, relative, sep } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.svg', '.wasm', '.csv', '.txt', '.map', '.xml']);
const MIN_BYTES = 1024;
// Brotli quality 9 (the highest this script uses) for the small files every page loads (HTML,
// scripts, styles); quality 5 for files of 1 MiB and more (the DuckDB engine, large CSV downloads),
// where quality 9 took most of the compression time for a few per cent fewer bytes.
const LARGE_BYTES = 1024 * 1024;
const quality = (size) => (size >= LARGE_BYTES ? 5 : 9);
const BUNDLE_FILES = ['_app', 'immutable'].join(sep) + sep;

function* files(folder) {
	for (const entry of readdirSync(folder, { withFileTypes: true })) {
		const path = join(folder, entry.name);
		if (entry.isDirectory()) yield* files(path);
		else yield path;
	}
}

function compress(bytes) {
	const brotli = brotliCompressSync(bytes, {
		params: { [constants.BROTLI_PARAM_QUALITY]: quality(bytes.length), [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length }
	});
	return { br: brotli, gz: gzipSync(bytes, { level: bytes.length >= LARGE_BYTES ? 6 : 9 }) };
}

const [folder, option, cache] = process.argv.slice(2);
if (!folder || (option !== undefined && (option !== '--cache' || !cache))) {
	console.error('usage: node scripts/precompress.mjs <folder> [--cache <folder>]');
	process.exit(2);
}
if (cache) mkdirSync(cache, { recursive: true });
const used = new Set();
let count = 0;
let reused = 0;
let before = 0;
let after = 0;
for (const path of files(folder)) {
	if (!COMPRESSIBLE.has(extname(path)) || statSync(path).size < MIN_BYTES) continue;
	const bytes = readFileSync(path);
	const cached = cache && relative(folder, path).startsWith(BUNDLE_FILES);
	const key = cached ? createHash('sha256').update(bytes).digest('hex') : null;
	if (cached && ['br', 'gz'].every((kind) => existsSync(join(cache, `${key}.${kind}`)))) {
		for (const kind of ['br', 'gz']) copyFileSync(join(cache, `${key}.${kind}`), `${path}.${kind}`);
		reused += 1;
	} else {
		const copies = compress(bytes);
		for (const kind of ['br', 'gz']) {
			writeFileSync(`${path}.${kind}`, copies[kind]);
			// written beside, then renamed: a build killed midway leaves no half copy in the cache
			if (cached) {
				writeFileSync(join(cache, `.${key}.${kind}`), copies[kind]);
				renameSync(join(cache, `.${key}.${kind}`), join(cache, `${key}.${kind}`));
			}
		}
	}
	if (cached) for (const kind of ['br', 'gz']) used.add(`${key}.${kind}`);
	count += 1;
	before += bytes.length;
	after += statSync(`${path}.br`).size;
}
if (cache) for (const name of readdirSync(cache)) if (!used.has(name)) rmSync(join(cache, name), { force: true });
console.log(
	`precompress: ${count} files, ${before} bytes, ${after} bytes as Brotli` +
		(cache ? `; ${reused} of the bundle's files taken from ${cache}` : '')
);
