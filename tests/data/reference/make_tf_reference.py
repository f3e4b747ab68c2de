# Writes TFRecord files with TensorFlow itself (tf.io.TFRecordWriter, tf.train.Example), for
# tests/data/test_tf_interop.cpp to read without Python. Run once, offline:
#   python3 -m venv build-py && build-py/bin/pip install tensorflow-cpu
#   build-py/bin/python tests/data/reference/make_tf_reference.py
# The examples are defined by the formula below, which the C++ test repeats.
import os

import tensorflow as tf

here = os.path.dirname(os.path.abspath(__file__))


def example(i):
    f = {
        "id": tf.train.Feature(int64_list=tf.train.Int64List(value=[i, -i * 1000, 2**40 + i])),
        "x": tf.train.Feature(float_list=tf.train.FloatList(value=[i * 0.5, -1.25, 3.0e-8 * i])),
        "name": tf.train.Feature(bytes_list=tf.train.BytesList(value=[f"row{i}".encode(), b"\x00\xff"])),
        "empty": tf.train.Feature(float_list=tf.train.FloatList(value=[])),
    }
    return tf.train.Example(features=tf.train.Features(feature=f))


for name, opts in [("tf_examples.tfrecord", None), ("tf_examples.tfrecord.gz", "GZIP")]:
    with tf.io.TFRecordWriter(os.path.join(here, name), options=opts) as w:
        for i in range(5):
            # deterministic=True sorts map keys, as our encoder does, so the bytes can be compared.
            w.write(example(i).SerializeToString(deterministic=True))
    print("wrote", name, "with TensorFlow", tf.__version__)
