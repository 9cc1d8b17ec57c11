package io.tarn.rpc;

import io.tarn.api.MetaService;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.ArrayList;
import java.util.List;

import static org.junit.jupiter.api.Assertions.assertEquals;

/**
 * Every MetaService method, default ones included, must be checked by the guard: an inherited default
 * would answer ENOTSUP (or worse, skip the token check) for a method added later.
 */
class TokenGuardCoverageTest {
    @Test
    void theGuardOverridesEveryMetaServiceMethod() {
        List<String> missing = new ArrayList<>();
        for (Method m : MetaService.class.getMethods()) {
            if (Modifier.isStatic(m.getModifiers())) continue;
            try {
                TokenGuard.class.getDeclaredMethod(m.getName(), m.getParameterTypes());
            } catch (NoSuchMethodException e) {
                missing.add(m.toString());
            }
        }
        assertEquals(List.of(), missing, "TokenGuard must decide who may call these");
    }
}
