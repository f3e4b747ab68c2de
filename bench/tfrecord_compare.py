"""TFRecord read throughput, side by side in one run: build/bench_tfrecord (ours), the `tfrecord`
PyPI package's reader (tfrecord.reader: tfrecord_iterator, and tfrecord_loader which also parses
the Examples) and, when importable, TensorFlow's tf.data.TFRecordDataset (+ tf.io.parse_example).
All on the same file from the page cache, all as throughput per CPU-second of the process (the
cores here are shared, so wall time measures the queue). Prints a table, writes metrics.json.
  python3 -m venv build-py && build-py/bin/pip install tfrecord tensorflow-cpu
  build-py/bin/python bench/tfrecord_compare.py [--build build] [--mb 512] [--py-records 100000]"""
import argparse
import json
import os
import subprocess
import sys
import time


def cpu_rate(fn, file_mb_per_record):
    t0 = time.process_time()
    n = fn()
    s = time.process_time() - t0
    return n / s, n * file_mb_per_record / s


def tf_worker(path):
    import tensorflow as tf
    spec = {"image": tf.io.FixedLenFeature([], tf.string), "label": tf.io.FixedLenFeature([], tf.int64)}

    def tf_read():
        return sum(int(b.shape[0]) for b in tf.data.TFRecordDataset(path).batch(1024))

    def tf_parse():
        ds = tf.data.TFRecordDataset(path).batch(1024).map(lambda b: tf.io.parse_example(b, spec))
        return sum(int(b["label"].shape[0]) for b in ds)

    tf_read()  # warm-up: graph building, page cache
    out = []
    for name, fn, key in [(f"TensorFlow {tf.__version__}: read, CRC checked", tf_read, "tf_read"),
                          (f"TensorFlow {tf.__version__}: read + parse_example", tf_parse, "tf_read_parse")]:
        r, _ = cpu_rate(fn, 0)
        out.append((name, key, r, r))  # records/s; the parent turns the second into MB/s
    print(json.dumps(out))


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--tf-worker", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--build", default="build")
    ap.add_argument("--mb", type=int, default=512)
    ap.add_argument("--file", default="bench_out/tfrecord/fmnist.tfrecord")
    ap.add_argument("--py-records", type=int, default=100000, help="records the pure-Python readers read")
    ap.add_argument("--out", default="bench_out/tfrecord")
    a = ap.parse_args()
    if a.tf_worker:
        return tf_worker(a.file)
    os.makedirs(a.out, exist_ok=True)
    subprocess.run([f"{a.build}/bench_tfrecord", "--mb", str(a.mb), "--file", a.file, "--out", a.out], check=True,
                   stdout=subprocess.DEVNULL)
    with open(f"{a.out}/metrics.json") as f:
        m = json.load(f)
    mb_per_record = m["file_MB"] / m["records"]
    rows = [("tapegrad: read, CRC checked", m["read_crc_records_per_s"], m["read_crc_MBps"]),
            ("tapegrad: read, no CRC", m["read_nocrc_records_per_s"], m["read_nocrc_MBps"]),
            ("tapegrad: read + decode_example", m["read_crc_decode_records_per_s"], m["read_crc_decode_MBps"])]

    from tfrecord.reader import tfrecord_iterator, tfrecord_loader
    import itertools

    def it_only():
        return sum(1 for _ in itertools.islice(tfrecord_iterator(a.file), a.py_records))

    def it_parse():
        return sum(1 for _ in itertools.islice(tfrecord_loader(a.file, None, {"image": "byte", "label": "int"}),
                                               a.py_records))

    for name, fn, key in [("tfrecord (PyPI): read, no CRC", it_only, "pypi_read"),
                          ("tfrecord (PyPI): read + parse", it_parse, "pypi_read_parse")]:
        r, mbps = cpu_rate(fn, mb_per_record)
        rows.append((name, r, mbps))
        m[key + "_records_per_s"], m[key + "_MBps"] = r, mbps

    # TensorFlow in its own process: it and the tfrecord package both register tensorflow.BytesList
    # (and the rest of example.proto) in protobuf's default pool, which refuses the second.
    env = dict(os.environ, TF_CPP_MIN_LOG_LEVEL="3")
    tf_run = subprocess.run([sys.executable, __file__, "--tf-worker", "--file", a.file], env=env, capture_output=True,
                            text=True)
    if tf_run.returncode == 0:
        for name, key, r, mbps in json.loads(tf_run.stdout.strip().splitlines()[-1]):
            rows.append((name, r, mbps * mb_per_record))
            m[key + "_records_per_s"], m[key + "_MBps"] = r, mbps * mb_per_record
    else:
        print("(TensorFlow not usable here: its rows are left out)", tf_run.stderr.strip().splitlines()[-1:])

    print(f"{m['file_MB']:.0f} MB, {m['records']:.0f} Fashion-MNIST Examples; per CPU-second:")
    print("| reader | records/s | MB/s |\n| --- | --- | --- |")
    for name, r, mbps in rows:
        print(f"| {name} | {r:,.0f} | {mbps:,.0f} |")
    print(f"CRC32C: SSE4.2 {m.get('crc32c_sse42_256MiB_GBps', 0):.2f} GB/s (256 MiB), "
          f"{m.get('crc32c_sse42_256KiB_GBps', 0):.2f} GB/s (256 KiB, in cache); table {m['crc32c_table_256MiB_GBps']:.2f}"
          f" GB/s; one core's memory read {m['memory_read_GBps']:.2f} GB/s, memcpy {m['memcpy_GBps']:.2f} GB/s")
    with open(f"{a.out}/metrics.json", "w") as f:
        json.dump(m, f, indent=1)


if __name__ == "__main__":
    main()
