# Reads the TFRecord files that build/tabular wrote with TensorFlow (tf.data.TFRecordDataset,
# tf.train.Example) and prints what it finds: the interoperability check in that direction.
#   python3 examples/tabular_check_tf.py out/tabular     (needs tensorflow-cpu from pip)
import sys

import tensorflow as tf

out = sys.argv[1] if len(sys.argv) > 1 else "out/tabular"
for name, comp in [("train.tfrecord", None), ("test.tfrecord.gz", "GZIP")]:
    n, keys, classes = 0, set(), {}
    for raw in tf.data.TFRecordDataset(f"{out}/{name}", compression_type=comp):
        ex = tf.train.Example.FromString(raw.numpy())
        keys |= set(ex.features.feature.keys())
        c = ex.features.feature["weather"].int64_list.value[0]
        classes[c] = classes.get(c, 0) + 1
        n += 1
    print(f"{name}: {n} records read by TensorFlow {tf.__version__}, features {sorted(keys)}, classes {sorted(classes.items())}")
