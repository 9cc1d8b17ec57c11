package io.tarn.meta;

import io.tarn.api.MetaService;
import io.tarn.testkit.meta.MetaServiceContract;

/** The MetaService contract over the in-memory engine. */
class LocalMetaServiceTest extends MetaServiceContract {
    @Override
    protected MetaService open() {
        return new LocalMetaService(new MemoryKvStore());
    }
}
