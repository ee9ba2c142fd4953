// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.api;

import java.util.Set;

/** The policy's named IP ranges ({@code networks: { trusted: [10.0.0.0/8, ::1] }}). */
public interface NetworkSets {
    /** True if {@code ip} (text form) lies in the set called {@code name}. */
    boolean contains(String name, String ip);

    /** The networks of the set called {@code name}, if it exists. */
    java.util.Optional<java.util.List<IpNetwork>> members(String name);

    /** The names defined. */
    Set<String> names();
}
