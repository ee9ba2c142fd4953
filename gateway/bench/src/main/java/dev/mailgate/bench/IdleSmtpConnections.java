// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Memory per idle SMTP client connection of the proxy: opens N connections, reads each greeting
 * and says EHLO (so every session has its pipeline session and its downstream connection), then
 * holds them and reports the gateway's RSS and heap (after a full GC) per connection.
 *
 * <pre>
 * java -cp mailgate-bench.jar dev.mailgate.bench.IdleSmtpConnections 127.0.0.1:10025 9000 $GATEWAY_PID
 * </pre>
 */
public final class IdleSmtpConnections {
    private IdleSmtpConnections() {}

    public static void main(String[] args) throws Exception {
        if (args.length != 3) {
            System.err.println("usage: IdleSmtpConnections HOST:PORT CONNECTIONS GATEWAY_PID");
            System.exit(2);
        }
        int colon = args[0].lastIndexOf(':');
        InetSocketAddress target = new InetSocketAddress(args[0].substring(0, colon), Integer.parseInt(args[0].substring(colon + 1)));
        int n = Integer.parseInt(args[1]);
        long pid = Long.parseLong(args[2]);
        long heapBefore = IdleConnections.Heap.usedKiB(pid);
        ProcessStats before = ProcessStats.of(pid);
        List<Socket> held = new ArrayList<>();
        try {
            for (int i = 0; i < n; i++) held.add(open(target, i));
            Thread.sleep(2000);
            long heapAfter = IdleConnections.Heap.usedKiB(pid);
            ProcessStats after = ProcessStats.of(pid);
            System.out.printf("%d idle SMTP connections (greeted, EHLO answered): RSS %+d KiB (%.2f KiB each), heap %+d KiB (%.2f KiB each)%n",
                    held.size(), after.rssKiB() - before.rssKiB(), (after.rssKiB() - before.rssKiB()) / (double) held.size(),
                    heapAfter - heapBefore, (heapAfter - heapBefore) / (double) held.size());
        } finally {
            for (Socket s : held) s.close();
        }
    }

    private static Socket open(InetSocketAddress target, int i) throws IOException {
        Socket s = new Socket();
        s.connect(target, 10_000);
        s.setSoTimeout(30_000);
        BufferedReader in = new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.US_ASCII), 512);
        expect(in, "220", i);
        OutputStream out = s.getOutputStream();
        out.write(("EHLO idle-" + i + ".example\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        expect(in, "250", i);
        return s;
    }

    /** Reads one (possibly multi-line) reply and checks its code. */
    private static void expect(BufferedReader in, String code, int i) throws IOException {
        String line;
        do {
            line = in.readLine();
            if (line == null) throw new IOException("connection " + i + " closed while waiting for " + code);
            if (!line.startsWith(code)) throw new IOException("connection " + i + ": expected " + code + ", got: " + line);
        } while (line.length() > 3 && line.charAt(3) == '-');
    }
}
