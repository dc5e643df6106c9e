package io.intentstream.model.catalog;

import java.nio.charset.StandardCharsets;

/**
 * A 64-bit fingerprint of an external item id: what per-user state stores instead of ids or embedding rows.
 *
 * <p>Fingerprints are stable across runs and JVMs (they live in checkpoints), so this is a fixed function:
 * FNV-1a over the UTF-8 bytes followed by MurmurHash3's 64-bit finaliser, which spreads FNV's weak low bits.
 * With 64 bits the chance of any collision among a million items is about 3e-8.
 */
public final class ItemFingerprint {

    private static final long FNV_OFFSET_BASIS = 0xcbf29ce484222325L;
    private static final long FNV_PRIME = 0x100000001b3L;

    private ItemFingerprint() {}

    public static long of(String externalId) {
        long hash = FNV_OFFSET_BASIS;
        for (byte b : externalId.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= FNV_PRIME;
        }
        return fmix64(hash);
    }

    private static long fmix64(long k) {
        k ^= k >>> 33;
        k *= 0xff51afd7ed558ccdL;
        k ^= k >>> 33;
        k *= 0xc4ceb9fe1a85ec53L;
        k ^= k >>> 33;
        return k;
    }
}
