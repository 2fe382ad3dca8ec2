#!/usr/bin/python3
"""Build `debian-bench` for bench/fuse.sh: the fixture debian image plus one
plain-tar layer holding what the benchmark reads, copies up and deletes.

Usage: fuse-layout.py FIXTURES_LAYOUT OUTDIR

The new layer (under /bench): big128 (128 MiB) and big100 (100 MiB) of
pseudo-random bytes (incompressible, cheap to make), and tree/ with 2,000
small files in 20 directories. Writes an OCI layout in OUTDIR whose index
names the image `debian-bench` (the debian layer blob is linked, not copied)
and OUTDIR/bench.tar, the new layer, for the other file systems to extract.
Prints the debian layer's blob path and whether it is gzip.
"""
import hashlib
import io
import json
import os
import random
import sys
import tarfile


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


class Noise(io.RawIOBase):
    """n pseudo-random bytes, 1 MiB at a time."""

    def __init__(self, n, seed):
        self.left, self.rng = n, random.Random(seed)

    def readable(self):
        return True

    def readinto(self, b):
        k = min(len(b), self.left, 1 << 20)
        if k <= 0:
            return 0
        b[:k] = self.rng.randbytes(k)
        self.left -= k
        return k


def main():
    fixtures, out = sys.argv[1:3]
    blobs = os.path.join(out, "blobs", "sha256")
    os.makedirs(blobs, exist_ok=True)

    def read(d):
        with open(os.path.join(fixtures, "blobs", "sha256", d.split(":", 1)[1]), "rb") as f:
            return f.read()

    def put(b):
        d = sha(b)
        with open(os.path.join(blobs, d[7:]), "wb") as f:
            f.write(b)
        return d

    with open(os.path.join(fixtures, "index.json")) as f:
        idx = json.load(f)
    desc = next(m for m in idx["manifests"]
                if m.get("annotations", {}).get("org.opencontainers.image.ref.name") == "debian")
    manifest = json.loads(read(desc["digest"]))
    config = json.loads(read(manifest["config"]["digest"]))
    if len(manifest["layers"]) != 1:
        sys.exit("fuse-layout.py: expected a one-layer debian fixture")
    base = manifest["layers"][0]
    base_path = os.path.join(os.path.abspath(fixtures), "blobs", "sha256", base["digest"].split(":", 1)[1])
    dst = os.path.join(blobs, base["digest"].split(":", 1)[1])
    if not os.path.exists(dst):
        os.symlink(base_path, dst)

    tar_path = os.path.join(out, "bench.tar")
    with tarfile.open(tar_path, mode="w", format=tarfile.PAX_FORMAT) as tf:
        def entry(name, kind=tarfile.REGTYPE, mode=0o644, size=0):
            ti = tarfile.TarInfo(name)
            ti.type, ti.mode, ti.size, ti.mtime = kind, mode, size, 1700000000
            return ti

        tf.addfile(entry("bench", tarfile.DIRTYPE, 0o755))
        for name, size, seed in (("big128", 128 << 20, 1), ("big100", 100 << 20, 2)):
            tf.addfile(entry("bench/" + name, size=size), Noise(size, seed))
        tf.addfile(entry("bench/tree", tarfile.DIRTYPE, 0o755))
        for d in range(20):
            tf.addfile(entry("bench/tree/d%02d" % d, tarfile.DIRTYPE, 0o755))
            for i in range(100):
                data = b"file %d of directory %d\n" % (i, d)
                tf.addfile(entry("bench/tree/d%02d/f%03d" % (d, i), size=len(data)), io.BytesIO(data))

    h = hashlib.sha256()
    size = 0
    with open(tar_path, "rb") as f:
        while chunk := f.read(1 << 20):
            h.update(chunk)
            size += len(chunk)
    ld = "sha256:" + h.hexdigest()
    link = os.path.join(blobs, ld[7:])
    if os.path.exists(link):
        os.unlink(link)
    os.link(tar_path, link)
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar", "digest": ld, "size": size})
    config["rootfs"]["diff_ids"].append(ld)
    config.setdefault("history", []).append({"created_by": "bench/fuse-layout.py"})
    cb = json.dumps(config, sort_keys=True).encode()
    manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": put(cb), "size": len(cb)}
    mb = json.dumps(manifest, sort_keys=True).encode()
    mdesc = {"mediaType": desc["mediaType"], "digest": put(mb), "size": len(mb),
             "annotations": {"org.opencontainers.image.ref.name": "debian-bench"}}
    with open(os.path.join(out, "oci-layout"), "w") as f:
        json.dump({"imageLayoutVersion": "1.0.0"}, f)
    with open(os.path.join(out, "index.json"), "w") as f:
        json.dump({"schemaVersion": 2, "manifests": [mdesc]}, f)
    print(base_path, "gzip" if base["mediaType"].endswith("gzip") else "plain")


if __name__ == "__main__":
    main()
