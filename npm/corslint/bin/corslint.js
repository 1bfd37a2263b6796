#!/usr/bin/env node
// Runs the corslint binary from the platform package npm installed beside this one
// (@corslint/cli-<platform>, an optional dependency). Nothing is downloaded.
"use strict";

const { spawnSync } = require("node:child_process");

function libc() {
  if (process.platform !== "linux") return "";
  // glibc reports its version; musl (Alpine) does not.
  const header = process.report && process.report.getReport().header;
  return header && header.glibcVersionRuntime ? "gnu" : "musl";
}

function candidates() {
  const base = `${process.platform}-${process.arch}`;
  if (process.platform !== "linux") return [base];
  // The musl binary is static and also runs on glibc systems.
  return libc() === "gnu" ? [`${base}-gnu`, `${base}-musl`] : [`${base}-musl`];
}

function binary() {
  if (process.env.CORSLINT_BINARY) return process.env.CORSLINT_BINARY;
  const exe = process.platform === "win32" ? ".exe" : "";
  for (const platform of candidates()) {
    try {
      return require.resolve(`@corslint/cli-${platform}/bin/corslint${exe}`);
    } catch {
      // not installed: try the next one
    }
  }
  const wanted = candidates().map((p) => `@corslint/cli-${p}`).join(" or ");
  process.stderr.write(
    `corslint: no binary for ${process.platform}-${process.arch}: ${wanted} is not installed.\n` +
      "Reinstall without --omit=optional / --no-optional, or install corslint with pip or cargo " +
      "(https://github.com/corslint/corslint#install).\n",
  );
  process.exit(2);
}

const result = spawnSync(binary(), process.argv.slice(2), { stdio: "inherit", windowsHide: true });
if (result.error) {
  process.stderr.write(`corslint: cannot run ${binary()}: ${result.error.message}\n`);
  process.exit(2);
}
if (result.signal) {
  process.kill(process.pid, result.signal);
}
process.exit(result.status === null ? 2 : result.status);
