// SPDX-License-Identifier: Apache-2.0
package dev.mailgate.milter.client;

import dev.mailgate.milter.codec.MilterCommand;
import dev.mailgate.milter.codec.MilterResponse;
import dev.mailgate.milter.codec.MilterResponse.OptionNegotiationReply;
import java.io.InterruptedIOException;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeoutException;

/**
 * Blocking view of a {@link MilterClient}: each method sends one command and waits for the
 * answer (bounded by the client's request timeout). Failures surface as
 * {@link MilterClientException}; a method returns {@code null} when the command gets no answer.
 * Do not call from a Netty event loop thread.
 */
public final class BlockingMilterClient implements AutoCloseable {
    private final MilterClient client;

    /** Wraps {@code client}; closing this view closes the client. */
    public BlockingMilterClient(MilterClient client) {
        this.client = client;
    }

    /** The wrapped asynchronous client. */
    public MilterClient async() {
        return client;
    }

    /** See {@link MilterClient#negotiate}. */
    public OptionNegotiationReply negotiate(int version, int actions, int protocol) throws MilterClientException {
        return await(client.negotiate(version, actions, protocol));
    }

    /** See {@link MilterClient#macro}. */
    public void macro(char stage, Map<String, String> macros) throws MilterClientException {
        await(client.macro(stage, macros));
    }

    /** See {@link MilterClient#connect}. */
    public MilterResponse connect(String hostname, char family, int port, String address) throws MilterClientException {
        return await(client.connect(hostname, family, port, address));
    }

    /** See {@link MilterClient#helo}. */
    public MilterResponse helo(String name) throws MilterClientException {
        return await(client.helo(name));
    }

    /** See {@link MilterClient#mail}. */
    public MilterResponse mail(String sender, String... esmtpParams) throws MilterClientException {
        return await(client.mail(sender, esmtpParams));
    }

    /** See {@link MilterClient#rcpt}. */
    public MilterResponse rcpt(String recipient, String... esmtpParams) throws MilterClientException {
        return await(client.rcpt(recipient, esmtpParams));
    }

    /** See {@link MilterClient#data}. */
    public MilterResponse data() throws MilterClientException {
        return await(client.data());
    }

    /** See {@link MilterClient#header}. */
    public MilterResponse header(String name, String value) throws MilterClientException {
        return await(client.header(name, value));
    }

    /** See {@link MilterClient#endOfHeaders}. */
    public MilterResponse endOfHeaders() throws MilterClientException {
        return await(client.endOfHeaders());
    }

    /** See {@link MilterClient#body}. */
    public MilterResponse body(byte[] chunk) throws MilterClientException {
        return await(client.body(chunk));
    }

    /** See {@link MilterClient#endOfMessage()}. */
    public EomResult endOfMessage() throws MilterClientException {
        return await(client.endOfMessage());
    }

    /** See {@link MilterClient#abort}. */
    public void abort() throws MilterClientException {
        await(client.abort());
    }

    /** See {@link MilterClient#quit}. */
    public void quit() throws MilterClientException {
        await(client.quit());
    }

    /** See {@link MilterClient#send(MilterCommand, Map)}. */
    public MilterResponse send(MilterCommand command, Map<String, String> macros) throws MilterClientException {
        return await(client.send(command, macros));
    }

    @Override
    public void close() {
        client.close();
    }

    /** Waits for {@code future}, turning every failure into a {@link MilterClientException}. */
    static <T> T await(CompletableFuture<T> future) throws MilterClientException {
        try {
            return future.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            MilterClientException ex = new MilterClientException("interrupted while waiting for the milter");
            ex.initCause(new InterruptedIOException());
            throw ex;
        } catch (ExecutionException e) {
            Throwable cause = e.getCause();
            if (cause instanceof MilterClientException m) {
                throw new MilterClientException(m.getMessage(), m);
            }
            String what = cause instanceof TimeoutException ? "milter timed out: " : "milter request failed: ";
            throw new MilterClientException(what + cause.getMessage(), cause);
        }
    }
}
