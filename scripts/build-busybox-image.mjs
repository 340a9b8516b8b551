#!/usr/bin/env node
// Builds the embedded default busybox image (docker-archive and oci-archive)
// from Debian's busybox-static: node scripts/build-busybox-image.mjs [OUTDIR]
import { buildBusyboxImage } from '../dist/lib/image/busybox.js';
const out = buildBusyboxImage(process.argv[2] ?? 'build/images');
console.log(`${out.dockerArchive}\n${out.ociArchive}`);
