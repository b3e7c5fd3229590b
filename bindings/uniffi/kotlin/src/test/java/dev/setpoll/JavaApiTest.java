package dev.setpoll;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The API called by name from Java: every number is a Java int or long (no
 * Kotlin unsigned types), top-level functions live in {@code SetpollKt},
 * named constructors on each class's {@code Companion}.
 */
class JavaApiTest {
    static final String ISS = "https://aspsp.example/iss";
    static final String AUD = "client-java";
    static final long NOW_MS = 1_700_000_000_000L;

    private static byte[] seed() {
        byte[] seed = new byte[32];
        for (int i = 0; i < seed.length; i++) seed[i] = (byte) (i + 7);
        return seed;
    }

    private static SetClaims claims(String jti) throws SetpollException {
        return new ClaimsBuilder(ISS, jti, AUD, NOW_MS / 1000)
            .sub("https://aspsp.example/pmt-1")
            .txn("txn-1")
            .toe(NOW_MS / 1000)
            .resourceUpdate(new EventSubject("pmt-1", "domestic-payment",
                List.of(new Link("v3.1.10", "https://aspsp.example/pmt-1"))))
            .build();
    }

    @Test
    void signVerifyPollAndReceiveFromJava() throws Exception {
        SigningKey key = SigningKey.Companion.generateEs256(seed(), "java-1");
        String jwks = SetpollKt.jwksFromKeys(List.of(key));
        Keyring ring = Keyring.Companion.fromJwks(jwks, CryptoBackend.NATIVE);

        String token = SetpollKt.signSet(claims("j-1"), key, NOW_MS, HeaderProfile.Rfc8417.INSTANCE);
        VerifyPolicy policy = new VerifyPolicy(ISS, AUD, null, null, null, null, null, null);
        VerifiedSet verified = SetpollKt.verifySet(token, ring, policy, NOW_MS);
        assertEquals("j-1", verified.getClaims().jti());
        assertEquals("ES256", verified.getAlg());
        assertEquals("java-1", verified.getKid());

        SetpollException.Verify refused = assertThrows(SetpollException.Verify.class,
            () -> SetpollKt.verifySet(token, ring, new VerifyPolicy("https://other", AUD, null, null, null, null, null, null), NOW_MS));
        assertEquals("jwtIss", refused.getSetErr());
        SetpollException.Argument negative = assertThrows(SetpollException.Argument.class,
            () -> SetpollKt.verifySet(token, ring, policy, -1L));
        assertEquals("negative_time", negative.getCode());

        // A transmitter and a receiver, wired by hand.
        TransmitterConfig txConfig = new TransmitterConfig(null, 10, null, null, null, null, null, null, SetErrPolicy.DEAD_LETTER, DeliveryMode.AT_LEAST_ONCE);
        try (MemoryTransmitter tx = new MemoryTransmitter(txConfig)) {
            EnqueueResult queued = tx.enqueue(token, NOW_MS);
            assertTrue(queued.getQueued());
            assertEquals(AUD, queued.getWake());
            assertEquals(1L, tx.size());

            ReceiverConfig rxConfig = new ReceiverConfig(ISS, AUD, jwks, null, 5, true, null, null, null,
                BackoffJitter.NONE, null, null, null, null, null, null, seed());
            try (Receiver rx = new Receiver(rxConfig)) {
                assertEquals(Integer.valueOf(5), rx.config().getMaxEvents());
                ReceiverRequest req = rx.nextRequest(NOW_MS);
                assertNotNull(req);
                PollAnswer answer = tx.handlePoll(AUD, req.getBody(), NOW_MS, "java-poll");
                ReceiverBatch batch = rx.handleResponse(req.getId(), 200, answer.getResponseJson(), NOW_MS, null);
                assertNull(batch.getFailure());
                assertEquals(1, batch.getDeliveries().size());
                assertEquals("j-1", batch.getDeliveries().get(0).getJti());
                rx.ack("j-1");

                ReceiverRequest flush = rx.nextRequest(NOW_MS + 1);
                assertNotNull(flush);
                assertEquals(ReceiverRequestKind.ACK_ONLY, flush.getKind());
                ReceiverBatch acked = rx.handleResponse(flush.getId(), 200, tx.handlePoll(AUD, flush.getBody(), NOW_MS + 1, "").getResponseJson(), NOW_MS + 1, null);
                assertEquals(1, acked.getAcksConfirmed());
                assertEquals(0L, tx.size());

                // Nothing due: null, and pollTimeout says when.
                assertNull(rx.nextRequest(NOW_MS + 2));
                Long at = rx.pollTimeout();
                assertNotNull(at);
                assertTrue(at > NOW_MS + 2);
                SetpollException.Receiver unknown = assertThrows(SetpollException.Receiver.class,
                    () -> rx.handleFailure(12345L, NOW_MS));
                assertEquals("unknown_request", unknown.getCode());
            }
        }
        assertEquals(201, SetpollKt.obieSuccessStatus(ObieVersion.V3_1_2));
        assertEquals(SetpollKt.transmitterDefaults().getMaxEventsLimit(), new StorageTransmitter(new TransmitterConfig(null, null, null, null, null, null, null, null, null, null)).config().getMaxEventsLimit());
    }
}
