// SPDX-License-Identifier: Apache-2.0
/**
 * Shared state for filters: start at {@link dev.mailgate.state.KeyValueStore}, obtained with
 * {@code services.service(KeyValueStore.class)} and configured under {@code services: store:}
 * ({@link dev.mailgate.state.StoreServiceFactory}). In memory by default (Caffeine, expiring by
 * the policy's clock); in Redis (Lettuce: standalone, Sentinel, Cluster) when gateway nodes share
 * greylisting triplets, rate counters and bans, with a configured fallback when Redis is away.
 * {@link dev.mailgate.state.ClientKeys} turns a client address into the network key filters count by.
 */
package dev.mailgate.state;
