// The kept bundle of the site: what `vite build` makes of the pages, the components and Evidence's
// template (the server and browser code in .svelte-kit/output), with SvelteKit's build data. It
// does not depend on the data: a new publication changes only static/ (its Parquet files and
// download stand-ins) and what prerendering makes of them. So scripts/build-site.mjs bundles once
// and, while nothing the bundle is made from changes, only prerenders (scripts/prerender-bundle.mjs).
//
// The key is a hash of everything bundling reads besides the data: the template folder but for its
// static files and outputs, the sources' column schemas (static/data/**/*.schema.json), Evidence's
// settings, the installed packages (package-lock.json) with our patches to them, Node's version and
// the environment that Vite or Evidence read while bundling.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';

const OUTPUTS = new Set(['static', '.svelte-kit', '.evidence-queries', 'build', 'node_modules']);
// EVIDENCE_SOURCE__* names the snapshot (a new path for every publication): only `evidence sources`
// reads it.
const BUNDLE_ENVIRONMENT = /^(PUBLIC_|VITE_|EVIDENCE_(?!SOURCE__)|NODE_ENV$)/;

/** The files under a folder, as paths relative to it (joined to `prefix`), in name order. */
export function* files(folder, prefix = '') {
	if (!fs.existsSync(folder)) return;
	for (const entry of fs.readdirSync(folder, { withFileTypes: true }).sort((a, b) =>
		a.name < b.name ? -1 : 1
	)) {
		const relative = path.posix.join(prefix, entry.name);
		if (entry.isDirectory()) yield* files(path.join(folder, entry.name), relative);
		else yield relative;
	}
}

export function bundleKey({ reports, template, env }) {
	const hash = createHash('sha256');
	const add = (label, content) => hash.update(`${label}\0${content.length}\0`).update(content);
	for (const name of fs.readdirSync(template).sort()) {
		if (OUTPUTS.has(name)) continue;
		const full = path.join(template, name);
		if (fs.statSync(full).isDirectory()) {
			for (const file of files(full, name)) add(`template/${file}`, fs.readFileSync(path.join(template, file)));
		} else add(`template/${name}`, fs.readFileSync(full));
	}
	for (const file of files(path.join(template, 'static'), 'static')) {
		if (file.endsWith('.schema.json')) add(`template/${file}`, fs.readFileSync(path.join(template, file)));
	}
	for (const file of ['package-lock.json', 'evidence.config.yaml', 'evidence.settings.json']) {
		const full = path.join(reports, file);
		if (fs.existsSync(full)) add(file, fs.readFileSync(full));
	}
	for (const file of files(path.join(reports, 'patches'), 'patches')) {
		add(file, fs.readFileSync(path.join(reports, file)));
	}
	add('node', process.version);
	const settings = Object.keys(env)
		.filter((name) => BUNDLE_ENVIRONMENT.test(name))
		.sort()
		.map((name) => `${name}=${env[name]}`);
	add('environment', settings.join('\n'));
	return hash.digest('hex');
}

const keyFile = (bundle) => path.join(bundle, 'key');
export const buildDataFile = (bundle) => path.join(bundle, 'build-data.devalue');

export function hasBundle(bundle, key) {
	return (
		fs.existsSync(keyFile(bundle)) &&
		fs.readFileSync(keyFile(bundle), 'utf-8') === key &&
		fs.existsSync(buildDataFile(bundle))
	);
}

/** Keep the output of a complete build (written with FINSAM_BUNDLE_DATA=buildDataFile(staging)):
 * its server and browser code, but not the static files Vite copied in, which belong to the data. */
export function keepBundle({ template, staging, bundle, key }) {
	const output = path.join(template, '.svelte-kit', 'output');
	const staticFiles = new Set(files(path.join(template, 'static')));
	fs.cpSync(path.join(output, 'server'), path.join(staging, 'server'), { recursive: true });
	fs.cpSync(path.join(output, 'client'), path.join(staging, 'client'), {
		recursive: true,
		filter: (source) => !staticFiles.has(path.relative(path.join(output, 'client'), source).split(path.sep).join('/'))
	});
	fs.writeFileSync(keyFile(staging), key);
	fs.rmSync(bundle, { recursive: true, force: true });
	fs.renameSync(staging, bundle);
}

/** Put a kept bundle back where SvelteKit wrote it, with this build's static files. */
export function restoreBundle({ template, bundle }) {
	const output = path.join(template, '.svelte-kit', 'output');
	fs.rmSync(output, { recursive: true, force: true });
	for (const part of ['server', 'client']) {
		fs.cpSync(path.join(bundle, part), path.join(output, part), { recursive: true });
	}
	fs.cpSync(path.join(template, 'static'), path.join(output, 'client'), { recursive: true });
}
