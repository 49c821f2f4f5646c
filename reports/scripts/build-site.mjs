#!/usr/bin/env node
// The checked static build, run directly: what `evidence build:strict` does (Evidence 40.1.8,
// node_modules/@evidence-dev/evidence/cli.js, `populateTemplate` and `buildHelper`), without the
// layers of processes of `npm run` -> bash -> `evidence` -> a shell -> `npx` -> vite, and with the
// checks of build-checked.sh. Run from anywhere after `evidence sources`:
//   node scripts/build-site.mjs
// - fills .evidence/template as Evidence does (its template, then pages/, static/, sources/,
//   queries/, components/, app.css and partials/ copied in; Evidence starts file watchers for that);
// - runs `vite build` in .evidence/template with Evidence's environment and strict mode;
// - fails when the build fails, when any page query logs "Error in Query!" (Evidence's build exits
//   0 then), or when an indicator or association page is missing (scripts/verify-build.mjs);
// - ends the vite process (or the prerendering of a kept bundle) if it lingers once SvelteKit has
//   written the site (its prerender worker can keep DuckDB handles open);
// - hashes the data files' paths as Evidence does and moves the result to build/;
// - keeps the bundle (scripts/site-bundle.mjs): while the pages, components, sources' schemas and
//   packages are unchanged, the next build restores it and only prerenders
//   (scripts/prerender-bundle.mjs) instead of running `vite build`. `--rebuild-bundle` bundles anew.
// The Node heap comes from NODE_OPTIONS (orchestration/publish/site.py sets it).
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
	buildDataFile,
	bundleKey,
	files,
	hasBundle,
	keepBundle,
	restoreBundle
} from './site-bundle.mjs';

const reports = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
process.chdir(reports);
const evidence = path.join(reports, 'node_modules', '@evidence-dev', 'evidence');
const template = path.join(reports, '.evidence', 'template');
const vite = path.join(reports, 'node_modules', 'vite', 'bin', 'vite.js');
const start = Date.now();
const seconds = () => ((Date.now() - start) / 1000).toFixed(1);
const fail = (message) => {
	console.error(`build-site: ${message}`);
	process.exit(1);
};

// Evidence's loadEnvFile: EVIDENCE_* and VITE_* from reports/.env (if any) override the environment.
const { loadEnv } = await import(path.join(reports, 'node_modules', 'vite', 'dist', 'node', 'index.js'));
Object.assign(process.env, loadEnv('', reports, ['EVIDENCE_', 'VITE_']));

fs.rmSync('build', { recursive: true, force: true });

// populateTemplate: empty the template folder but for what Evidence keeps (static/ holds the data
// that `evidence sources` wrote), then copy Evidence's template in.
fs.rmSync(path.join(template, '.evidence-queries', 'cache'), { recursive: true, force: true });
fs.mkdirSync(template, { recursive: true });
const keepers = new Set(['.profile.json', 'static', '.evidence-queries']);
for (const name of fs.readdirSync(template)) {
	if (!keepers.has(name)) fs.rmSync(path.join(template, name), { recursive: true, force: true });
}
fs.cpSync(path.join(evidence, 'template'), template, { recursive: true });
// Evidence's settings and explore pages are tools of its development server (source settings, a
// SQL console); a static site has no use for them, and their components (with every icon of
// simple-icons for the source settings) otherwise ended up in the script chunk that every page
// loads.
for (const tool of ['settings', 'explore']) {
	fs.rmSync(path.join(template, 'src', 'pages', tool), { recursive: true, force: true });
}

// Evidence's watch patterns, copied once (a page `x.md` becomes `x/+page.md`, `index.md` `+page.md`).
const ignoredPages = /^(explore|settings|api)(\/|\.|$)/;
const copy = (source, target) => {
	fs.mkdirSync(path.dirname(target), { recursive: true });
	fs.copyFileSync(source, target);
};
for (const page of files('pages')) {
	if (ignoredPages.test(page)) continue;
	const target = page.endsWith('index.md')
		? page.replace(/index\.md$/, '+page.md')
		: page.endsWith('.md')
			? page.replace(/\.md$/, '/+page.md')
			: page;
	copy(path.join('pages', page), path.join(template, 'src', 'pages', target));
}
for (const [source, target] of [
	['static', 'static'],
	['sources', 'sources'],
	['queries', 'queries'],
	['components', path.join('src', 'components')],
	['partials', 'partials']
]) {
	for (const file of files(source)) copy(path.join(source, file), path.join(template, target, file));
}
if (fs.existsSync('app.css')) copy('app.css', path.join(template, 'src', 'app.css'));
console.log(`build-site: template ready in ${seconds()} s`);

// buildHelper: vite build in the template folder with Evidence's environment, strict mode on.
const dataDir = process.env.EVIDENCE_DATA_DIR ?? './static/data';
const env = {
	...process.env,
	EVIDENCE_DATA_URL_PREFIX: process.env.EVIDENCE_DATA_URL_PREFIX ?? 'static/data',
	EVIDENCE_DATA_DIR: dataDir,
	EVIDENCE_IS_BUILDING: 'true',
	EVIDENCE_STRICT_MODE: 'true'
};
const bundle = path.join(reports, '.evidence', 'bundle');
const staging = `${bundle}.new`;
const key = bundleKey({ reports, template, env });
const reuse = !process.argv.includes('--rebuild-bundle') && hasBundle(bundle, key);
fs.rmSync(staging, { recursive: true, force: true });
if (reuse) {
	restoreBundle({ template, bundle });
	console.log(`build-site: bundle of the same pages restored in ${seconds()} s; prerendering only`);
} else {
	fs.mkdirSync(staging, { recursive: true });
	env.FINSAM_BUNDLE_DATA = buildDataFile(staging);
}

let queryErrors = new Set();
let siteWritten = false;
const step = reuse
	? [path.join(reports, 'scripts', 'prerender-bundle.mjs'), buildDataFile(bundle)]
	: [vite, 'build'];
const what = reuse ? 'prerendering the kept bundle' : 'vite build';
// the process that may linger, as the log names it
const running = reuse ? 'prerender-bundle.mjs' : 'vite';
const code = await new Promise((resolve) => {
	const child = spawn(process.execPath, step, {
		cwd: template,
		env,
		stdio: ['ignore', 'pipe', 'pipe']
	});
	let lingering;
	const watch = (stream, out) => {
		let rest = '';
		stream.on('data', (chunk) => {
			out.write(chunk);
			const lines = (rest + chunk.toString()).split('\n');
			rest = lines.pop();
			for (const line of lines) {
				if (line.includes('Error in Query')) queryErrors.add(line.trim());
				// The adapter's last words: the site is complete.
				if (/Wrote site to|✔ done/.test(line) && !lingering) {
					siteWritten = true;
					lingering = setTimeout(() => {
						console.log(`build-site: ${running} still running 10 s after writing the site; ending it`);
						child.kill('SIGKILL');
					}, 10_000);
				}
			}
		});
	};
	watch(child.stdout, process.stdout);
	watch(child.stderr, process.stderr);
	child.on('close', (status, signal) => {
		clearTimeout(lingering);
		resolve(signal && siteWritten ? 0 : status ?? 1);
	});
});
if (code !== 0) fail(`${what} failed (exit ${code})`);
if (queryErrors.size) fail(`page queries failed:\n${[...queryErrors].sort().join('\n')}`);
console.log(`build-site: ${what} done in ${seconds()} s`);
if (!reuse) keepBundle({ template, staging, bundle, key });

// buildHelper, after a successful build: data files under a folder named by their MD5 (as Evidence
// does, so that a new publication's files get new URLs), then the build to reports/build/.
const outDir = path.join(template, 'build');
const buildDataDir = path.join(outDir, path.normalize(dataDir).split(path.sep).slice(1).join(path.sep));
const manifestFile = path.join(buildDataDir, 'manifest.json');
if (fs.existsSync(manifestFile)) {
	const manifest = JSON.parse(fs.readFileSync(manifestFile, 'utf-8'));
	for (const rendered of Object.values(manifest.renderedFiles)) {
		for (let i = 0; i < rendered.length; i++) {
			const diskParts = rendered[i].split('/').slice(-3).join('/');
			const filePath = path.posix.join(buildDataDir, diskParts);
			if (!fs.existsSync(filePath)) continue;
			const hash = createHash('md5').update(fs.readFileSync(filePath)).digest('hex');
			const newDiskPart = path.posix.join(path.dirname(diskParts), hash, path.basename(diskParts));
			const newFilePath = path.join(buildDataDir, newDiskPart);
			fs.mkdirSync(path.dirname(newFilePath), { recursive: true });
			fs.renameSync(filePath, newFilePath);
			rendered[i] = rendered[i].replace(diskParts, newDiskPart);
		}
	}
	fs.writeFileSync(manifestFile, JSON.stringify(manifest));
}
fs.renameSync(outDir, 'build');

const verified = spawnSync(process.execPath, [path.join('scripts', 'verify-build.mjs')], {
	stdio: 'inherit'
});
if (verified.status !== 0) fail('scripts/verify-build.mjs failed');
console.log(`build-site: ok in ${seconds()} s`);
