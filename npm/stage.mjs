#!/usr/bin/env node
// Lays out the npm packages for `npm pack` / `npm publish`, in the biome/oxlint layout: the thin
// `corslint` package (a launcher, one optional dependency per platform) and one
// `@corslint/cli-<platform>` package per binary given. Every version is Cargo.toml's.
//
//   node npm/stage.mjs --out DIR [--binary PLATFORM=PATH]...
//
// PLATFORM is a key of npm/platforms.json (linux-x64-gnu, darwin-arm64, ...).
import { copyFileSync, chmodSync, mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(here);

function cargoVersion() {
  const manifest = readFileSync(join(root, "Cargo.toml"), "utf8");
  const pkg = manifest.split(/^\[/m).find((section) => section.startsWith("package]"));
  const match = pkg && pkg.match(/^version\s*=\s*"([^"]+)"/m);
  if (!match) throw new Error("no [package] version in Cargo.toml");
  return match[1];
}

function parseArgs(argv) {
  const args = { out: null, binaries: [] };
  for (let i = 0; i < argv.length; i++) {
    const value = argv[i + 1];
    if (argv[i] === "--out" && value) {
      args.out = value;
      i++;
    } else if (argv[i] === "--binary" && value && value.includes("=")) {
      const at = value.indexOf("=");
      args.binaries.push([value.slice(0, at), value.slice(at + 1)]);
      i++;
    } else {
      throw new Error(`usage: stage.mjs --out DIR [--binary PLATFORM=PATH]... (at ${argv[i]})`);
    }
  }
  if (!args.out) throw new Error("--out DIR is required");
  return args;
}

function writeJson(path, value) {
  writeFileSync(path, `${JSON.stringify(value, null, 2)}\n`);
}

function copyLicences(dir) {
  for (const name of ["LICENSE-MIT", "LICENSE-APACHE"]) copyFileSync(join(root, name), join(dir, name));
}

const args = parseArgs(process.argv.slice(2));
const version = cargoVersion();
const platforms = JSON.parse(readFileSync(join(here, "platforms.json"), "utf8"));
const launcher = JSON.parse(readFileSync(join(here, "corslint", "package.json"), "utf8"));

const main = join(args.out, "corslint");
rmSync(main, { recursive: true, force: true });
mkdirSync(join(main, "bin"), { recursive: true });
launcher.version = version;
launcher.files = [...launcher.files, "LICENSE-MIT", "LICENSE-APACHE"];
launcher.optionalDependencies = Object.fromEntries(
  Object.keys(platforms).map((key) => [`@corslint/cli-${key}`, version]),
);
writeJson(join(main, "package.json"), launcher);
copyFileSync(join(here, "corslint", "bin", "corslint.js"), join(main, "bin", "corslint.js"));
chmodSync(join(main, "bin", "corslint.js"), 0o755);
copyFileSync(join(here, "corslint", "README.md"), join(main, "README.md"));
copyLicences(main);
console.log(main);

for (const [key, binary] of args.binaries) {
  const platform = platforms[key];
  if (!platform) throw new Error(`unknown platform ${key}; see npm/platforms.json`);
  const dir = join(args.out, `cli-${key}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, "bin"), { recursive: true });
  const exe = `corslint${platform.exe || ""}`;
  copyFileSync(binary, join(dir, "bin", exe));
  chmodSync(join(dir, "bin", exe), 0o755);
  const manifest = {
    name: `@corslint/cli-${key}`,
    version,
    description: `The corslint binary for ${key} (${platform.rust}); install \`corslint\` instead.`,
    license: launcher.license,
    repository: launcher.repository,
    homepage: launcher.homepage,
    os: [platform.os],
    cpu: [platform.cpu],
    ...(platform.libc ? { libc: [platform.libc] } : {}),
    files: [`bin/${exe}`, "LICENSE-MIT", "LICENSE-APACHE"],
    preferUnplugged: true,
  };
  writeJson(join(dir, "package.json"), manifest);
  writeFileSync(
    join(dir, "README.md"),
    `# @corslint/cli-${key}\n\nThe corslint ${version} binary for ${key}. Install \`corslint\`, which uses it.\n`,
  );
  copyLicences(dir);
  console.log(dir);
}
