# TensorFlow's own feature columns (tf.compat.v1.feature_column.input_layer) on the 3-example batch
# of tests/data/test_feature_columns.cpp; prints each column's dense output, which that test
# repeats as "TensorFlow 2.21 says". Run once, offline (hashed columns are left out: TensorFlow
# hashes with FarmHash, tapegrad with FNV-1a):
#   build-py/bin/python tests/data/reference/make_feature_column_reference.py
import os
import tempfile

import numpy as np
import tensorflow as tf

tf.compat.v1.disable_eager_execution()
fc = tf.compat.v1.feature_column
F = tf.train.Feature


def floats(*v): return F(float_list=tf.train.FloatList(value=v))
def ints(*v): return F(int64_list=tf.train.Int64List(value=v))
def strs(*v): return F(bytes_list=tf.train.BytesList(value=[s.encode() for s in v]))


rows = [
    {"price": floats(5), "color": strs("red"), "tags": strs("a", "b"), "id": ints(2), "vec": floats(1, 2)},
    {"price": floats(-1), "color": strs("blue"), "tags": strs(), "id": ints(0)},
    {"price": floats(10), "color": strs("green"), "tags": strs("b", "b", "c"), "id": ints(7)},
]
serialized = [tf.train.Example(features=tf.train.Features(feature=r)).SerializeToString() for r in rows]
vocab_path = os.path.join(tempfile.mkdtemp(), "vocab.txt")
with open(vocab_path, "w") as f:
    f.write("green\nred\nblue\n")
table = tf.constant_initializer(np.array([[1, 2], [10, 20], [100, 200]], np.float32))
tags = fc.categorical_column_with_vocabulary_list("tags", ["a", "b", "c"])
columns = {
    "numeric price (x - 2) / 4": fc.numeric_column("price", normalizer_fn=lambda x: (x - 2) / 4),
    "bucketized price {0, 10}": fc.bucketized_column(fc.numeric_column("price"), [0.0, 10.0]),
    "bucketized vec (2 values, default 9) {1.5}": fc.bucketized_column(
        fc.numeric_column("vec", shape=(2,), default_value=9.0), [1.5]),
    "indicator vocabulary list color {red, blue}": fc.indicator_column(
        fc.categorical_column_with_vocabulary_list("color", ["red", "blue"])),
    "indicator vocabulary file color {green, red, blue}": fc.indicator_column(
        fc.categorical_column_with_vocabulary_file("color", vocab_path)),
    "indicator tags {a, b, c}": fc.indicator_column(tags),
    "indicator identity id (5, default 4)": fc.indicator_column(
        fc.categorical_column_with_identity("id", 5, default_value=4)),
}
for combiner in ["sum", "mean", "sqrtn"]:
    columns[f"embedding tags {combiner}"] = fc.embedding_column(tags, 2, combiner=combiner, initializer=table)

with tf.compat.v1.Session() as sess:
    for name, col in columns.items():
        parsed = tf.io.parse_example(serialized, fc.make_parse_example_spec([col]))
        out = fc.input_layer(parsed, [col])
        sess.run(tf.compat.v1.global_variables_initializer())
        sess.run(tf.compat.v1.tables_initializer())
        v = sess.run(out)
        print(f"{name}: shape {v.shape}: {{{', '.join(f'{x:.9g}' for x in v.ravel())}}}")
