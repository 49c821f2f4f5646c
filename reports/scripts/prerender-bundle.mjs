#!/usr/bin/env node
// The end of a SvelteKit build, on a kept bundle: prerender every page and run the adapter, without
// bundling. scripts/build-site.mjs runs it in .evidence/template after restoring the bundle of an
// earlier build of the same pages into .svelte-kit/output (scripts/site-bundle.mjs):
//   node ../../scripts/prerender-bundle.mjs BUILD_DATA
// BUILD_DATA is what the patched SvelteKit kept of that build (patches/kit-2.8.4-keep-build-data.patch:
// its routes, manifests and the analysis of its server). The steps are those of @sveltejs/kit 2.8.4
// (src/exports/vite/index.js, `writeBundle` from "...and prerender" and `closeBundle`); only the list
// of static files (kit.files.assets) is taken anew, because each publication has its own data and
// download files. Only SvelteKit's own modules are used, so a new SvelteKit fails here loudly, and
// apply-patches.sh refuses one before that.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const reports = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const kit = path.join(reports, 'node_modules', '@sveltejs', 'kit', 'src');
const load = (module) => import(path.join(kit, module));

const buildDataFile = process.argv[2];
if (!buildDataFile) {
	console.error('usage: node prerender-bundle.mjs BUILD_DATA');
	process.exit(2);
}

const { parse } = await import(path.join(reports, 'node_modules', 'devalue', 'index.js'));
const { load_config } = await load('core/config/index.js');
const { create_assets } = await load('core/sync/create_manifest_data/index.js');
const { generate_manifest } = await load('core/generate_manifest/index.js');
const { get_env } = await load('exports/vite/utils.js');
const { logger } = await load('core/utils.js');
const { adapt } = await load('core/adapt/index.js');
const prerender = (await load('core/postbuild/prerender.js')).default;

const config = await load_config();
const { build_data, metadata } = parse(fs.readFileSync(buildDataFile, 'utf-8'));
build_data.manifest_data.assets = create_assets(config);
const out = build_data.out_dir;
const writeManifest = (file, routes) =>
	fs.writeFileSync(
		`${out}/server/${file}`,
		`export const manifest = ${generate_manifest({ build_data, relative_path: '.', routes })};\n`
	);

const manifest_path = `${out}/server/manifest-full.js`;
writeManifest('manifest-full.js', build_data.manifest_data.routes);
const mode = 'production';
const env = get_env(config.kit.env, mode);
const { prerendered, prerender_map } = await prerender({
	out,
	manifest_path,
	metadata,
	verbose: false,
	env: { ...env.private, ...env.public }
});
writeManifest(
	'manifest.js',
	build_data.manifest_data.routes.filter((route) => prerender_map.get(route.id) !== true)
);
// The adapter reads only the mode of Vite's configuration (for the env module).
await adapt(config, build_data, metadata, prerendered, prerender_map, logger({ verbose: false }), {
	mode
});
