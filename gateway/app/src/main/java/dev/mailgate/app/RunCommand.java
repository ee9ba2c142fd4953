// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.app;

import java.io.PrintStream;
import java.lang.management.ManagementFactory;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import sun.misc.Signal;

/** {@code mailgate run}: serves until SIGTERM / SIGINT; SIGHUP reloads the policy. */
final class RunCommand {
    private static final Logger LOG = LoggerFactory.getLogger(RunCommand.class);

    private RunCommand() {}

    static int run(Options options, PrintStream err) {
        String file = options.one("policy", null);
        Gateway gateway;
        try {
            gateway = Gateway.start(() -> Policies.load(file));
        } catch (java.io.IOException e) {
            err.println("mailgate: " + e.getMessage());
            return 1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return 1;
        }
        CountDownLatch stop = new CountDownLatch(1);
        sun.misc.SignalHandler before = Signal.handle(new Signal("HUP"), s -> Thread.startVirtualThread(gateway::reload));
        if (before == sun.misc.SignalHandler.SIG_IGN) {
            // a JVM started with SIGHUP ignored (nohup) keeps ignoring it: say so, or a reload seems to do nothing
            LOG.warn("SIGHUP is ignored in this process (started with nohup?): kill -HUP and systemctl reload will not reload the policy");
        }
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            LOG.info("shutting down");
            gateway.close();
            stop.countDown();
        }, "shutdown"));
        long startedMs = System.currentTimeMillis() - ManagementFactory.getRuntimeMXBean().getStartTime();
        LOG.info("mailgate ready in {} ms, policy {}, listening on {}", startedMs,
                file == null ? Policies.EMBEDDED : file, gateway.boundAddresses());
        try {
            stop.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return 0;
    }
}
