"""The data order of tapegrad's DataLoader (data/dataloader.cpp), in numpy, so the PyTorch side
of a benchmark trains on exactly the same batches: Fisher-Yates over [0, n) where step i swaps
i with floor(w * (i + 1) / 2^32), w the word i % 4 of Philox4x32-10 block (epoch << 32) + i // 4
keyed by the seed."""
import numpy as np

M0, M1 = np.uint64(0xD2511F53), np.uint64(0xCD9E8D57)
W0, W1 = np.uint32(0x9E3779B9), np.uint32(0xBB67AE85)
MASK32 = np.uint64(0xFFFFFFFF)


def philox4x32_10(blocks, seed):
    """Philox4x32-10 on counters (block_lo, block_hi, 0, 0) with key (seed_lo, seed_hi); returns (n, 4) uint32."""
    blocks = np.asarray(blocks, dtype=np.uint64)
    c0 = (blocks & MASK32).astype(np.uint64)
    c1 = (blocks >> np.uint64(32)).astype(np.uint64)
    c2 = np.zeros_like(c0)
    c3 = np.zeros_like(c0)
    k0 = np.uint32(seed & 0xFFFFFFFF)
    k1 = np.uint32((seed >> 32) & 0xFFFFFFFF)
    for _ in range(10):
        p0 = c0 * M0
        p1 = c2 * M1
        hi0, lo0 = p0 >> np.uint64(32), p0 & MASK32
        hi1, lo1 = p1 >> np.uint64(32), p1 & MASK32
        c0, c1, c2, c3 = hi1 ^ c1 ^ np.uint64(k0), lo1, hi0 ^ c3 ^ np.uint64(k1), lo0
        k0 = np.uint32((int(k0) + int(W0)) & 0xFFFFFFFF)
        k1 = np.uint32((int(k1) + int(W1)) & 0xFFFFFFFF)
    return np.stack([c0, c1, c2, c3], axis=1).astype(np.uint32)


def shuffled_order(n, seed, epoch):
    order = np.arange(n, dtype=np.int64)
    if n < 2:
        return order
    i = np.arange(n, dtype=np.uint64)
    words = philox4x32_10((np.uint64(epoch) << np.uint64(32)) + i // np.uint64(4), seed)
    w = words[np.arange(n), (i % np.uint64(4)).astype(np.int64)].astype(np.uint64)
    j = ((w * (i + np.uint64(1))) >> np.uint64(32)).astype(np.int64)
    for k in range(n - 1, 0, -1):
        jk = j[k]
        order[k], order[jk] = order[jk], order[k]
    return order
