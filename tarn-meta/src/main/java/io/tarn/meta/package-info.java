/**
 * The metadata engine: POSIX namespace, attributes, permissions, block maps, sessions and volumes,
 * written once over {@link io.tarn.api.kv.KvStore} and exposed as {@link io.tarn.api.MetaService}
 * by {@link io.tarn.meta.LocalMetaService}. Knows no object store and no network.
 */
package io.tarn.meta;
