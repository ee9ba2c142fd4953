// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.testkit.mta;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.io.TempDir;

/** Proves {@link MiltertestRunner} against rawmilter.py. */
@Timeout(value = 60, unit = TimeUnit.SECONDS)
class MiltertestRunnerIT {

    /** One message through a modifying milter; checks the EOM edits miltertest collected. */
    private static final String MODIFY_LUA = """
            local conn = mt.connect(sock, 10, 0.5)
            if conn == nil then error("connect failed") end
            if mt.negotiate(conn, 6, 0x1FF, 0x1FFFFF) ~= nil then error("negotiate failed") end
            if mt.conninfo(conn, "client.test.invalid", "192.0.2.10") ~= nil then error("conninfo failed") end
            if mt.getreply(conn) ~= SMFIR_CONTINUE then error("connect: unexpected reply") end
            if mt.mailfrom(conn, "<sender@test.invalid>") ~= nil then error("mailfrom failed") end
            if mt.rcptto(conn, "<rcpt@example.invalid>") ~= nil then error("rcptto failed") end
            mt.header(conn, "Subject", "original")
            if mt.eoh(conn) ~= nil then error("eoh failed") end
            if mt.bodystring(conn, "hello\\r\\n") ~= nil then error("body failed") end
            if mt.eom(conn) ~= nil then error("eom failed") end
            if mt.getreply(conn) ~= SMFIR_ACCEPT then error("eom: expected ACCEPT") end
            if not mt.eom_check(conn, MT_HDRADD, "X-Raw-Added", "added by rawmilter") then error("no X-Raw-Added") end
            if not mt.eom_check(conn, MT_HDRCHANGE, "Subject", "changed subject") then error("Subject not changed") end
            if not mt.eom_check(conn, MT_RCPTADD, "<added-rcpt@test.invalid>") then error("no added rcpt") end
            if not mt.eom_check(conn, MT_BODYCHANGE) then error("body not replaced") end
            mt.disconnect(conn)
            mt.echo("all checks passed")
            """;

    @TempDir
    Path tmp;

    @Test
    void scriptPassesAgainstModifyingMilter() {
        assumeTrue(MiltertestRunner.isAvailable(), "miltertest (package miltertest) is not installed");
        try (RawMilter milter = RawMilter.start("modify", tmp)) {
            CommandResult r = new MiltertestRunner()
                    .define("sock", milter.libmilterAddress())
                    .timeout(Duration.ofSeconds(30))
                    .runSource(MODIFY_LUA);
            assertThat(r.ok()).as(r.describe()).isTrue();
            assertThat(r.output()).contains("all checks passed");
        }
    }

    @Test
    void failingAssertionGivesNonZeroExit() {
        assumeTrue(MiltertestRunner.isAvailable(), "miltertest (package miltertest) is not installed");
        try (RawMilter milter = RawMilter.start("reject-rcpt-ml", tmp)) {
            CommandResult r = new MiltertestRunner()
                    .define("sock", milter.libmilterAddress())
                    .runSource(MODIFY_LUA);
            assertThat(r.timedOut()).isFalse();
            assertThat(r.exitCode()).as(r.describe()).isNotZero();
        }
    }
}
