#!/usr/bin/python3
"""Build `debian-plus`: the fixture debian image plus one small layer, and push it.

Usage: mkplus.py FIXTURES_LAYOUT WORKDIR HOST:PORT

The new layer adds a 64 KiB file, a small script, replaces /etc/motd and
whites out /etc/issue.net. Prints the uncompressed size of the new layer (its
tar) on stdout. Writes its own OCI layout in WORKDIR/plus (the debian layer
blob is linked, not copied).
"""
import gzip
import hashlib
import io
import json
import os
import sys
import tarfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", "tests", "fixtures"))
import pushimages  # noqa: E402


def sha(b):
    return "sha256:" + hashlib.sha256(b).hexdigest()


def main():
    fixtures, work, hostport = sys.argv[1:4]
    out = os.path.join(work, "plus")
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
    for l in manifest["layers"]:
        dst = os.path.join(blobs, l["digest"].split(":", 1)[1])
        if not os.path.exists(dst):
            os.symlink(os.path.join(os.path.abspath(fixtures), "blobs", "sha256", l["digest"].split(":", 1)[1]), dst)

    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode="w", format=tarfile.PAX_FORMAT) as tf:
        def add(name, data, mode=0o644):
            ti = tarfile.TarInfo(name)
            ti.size, ti.mode, ti.mtime = len(data), mode, 1700000000
            tf.addfile(ti, io.BytesIO(data))
        add("usr/local/share/plus.bin", os.urandom(64 * 1024))
        add("usr/local/bin/plus", b"#!/bin/sh\necho plus\n", 0o755)
        add("etc/motd", b"debian-plus\n")
        add("etc/.wh.issue.net", b"")
    tar = buf.getvalue()
    layer = gzip.compress(tar, mtime=0)
    ld = put(layer)
    manifest["layers"].append({"mediaType": "application/vnd.oci.image.layer.v1.tar+gzip", "digest": ld,
                               "size": len(layer)})
    config["rootfs"]["diff_ids"].append(sha(tar))
    config.setdefault("history", []).append({"created_by": "bench/mkplus.py"})
    cb = json.dumps(config, sort_keys=True).encode()
    manifest["config"] = {"mediaType": manifest["config"]["mediaType"], "digest": put(cb), "size": len(cb)}
    mb = json.dumps(manifest, sort_keys=True).encode()
    mdesc = {"mediaType": desc["mediaType"], "digest": put(mb), "size": len(mb)}
    reg = pushimages.Registry(hostport)
    pushimages.push(reg, out, "debian-plus", mdesc, "latest")
    print(len(tar))


if __name__ == "__main__":
    main()
