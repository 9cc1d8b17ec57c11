package io.tarn.client.file;

import io.tarn.api.Ctx;
import io.tarn.api.MetaService;

/**
 * Fresh block ids, reserved from the metadata server in batches so that a block upload rarely costs a
 * metadata round trip. Ids left unused when the client goes away are simply never used: ids are cheap.
 */
public final class BlockIds {
    private final MetaService meta;
    private final int batch;
    private long next, end;

    public BlockIds(MetaService meta, int batch) {
        this.meta = meta;
        this.batch = Math.max(1, batch);
    }

    public synchronized long next(Ctx ctx) {
        if (next == end) {
            next = meta.reserveBlockIds(ctx.withRequestId(0), batch);
            end = next + batch;
        }
        return next++;
    }
}
