// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.state;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

class MemoryStoreContractTest extends StoreContract {
    private final List<KeyValueStore> open = new ArrayList<>();

    @Override
    KeyValueStore store() {
        KeyValueStore s = MemoryStore.open(clock, "contract", 10_000);
        open.add(s);
        return s;
    }

    @AfterEach
    void close() {
        open.forEach(KeyValueStore::close);
    }
}
