package example;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.jna.NativeLibrary;
import dev.setpoll.ClaimsBuilder;
import dev.setpoll.EnqueueResult;
import dev.setpoll.HeaderProfile;
import dev.setpoll.Keyring;
import dev.setpoll.MemoryTransmitter;
import dev.setpoll.Receiver;
import dev.setpoll.ReceiverBatch;
import dev.setpoll.ReceiverConfig;
import dev.setpoll.ReceiverRequest;
import dev.setpoll.SetpollException;
import dev.setpoll.SetpollKt;
import dev.setpoll.SigningKey;
import dev.setpoll.TransmitterConfig;
import dev.setpoll.VerifiedSet;
import dev.setpoll.VerifyPolicy;
import java.security.SecureRandom;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Uses the published jar only: a verification and a poll, the native library from the jar. */
class ConsumerTest {
    static final String ISS = "https://bank.example/";
    static final String CLIENT = "tpp-42";

    @Test
    void verifyAndPollWithTheJarAlone() throws Exception {
        assertNull(System.getProperty("jna.library.path"), "the library must come from the jar");
        byte[] seed = new byte[32];
        new SecureRandom().nextBytes(seed);
        SigningKey key = SigningKey.Companion.generateEs256(seed, "bank-1");
        String jwks = SetpollKt.jwksFromKeys(List.of(key));
        long now = System.currentTimeMillis();

        // The bank signs a SET and queues it.
        String token = SetpollKt.signSet(
            new ClaimsBuilder(ISS, "evt-1", CLIENT, now / 1000).customEvent("https://bank.example/events/hello", "{}").build(),
            key, now, HeaderProfile.Rfc8417.INSTANCE);
        VerifiedSet verified = SetpollKt.verifySet(token, Keyring.Companion.fromJwks(jwks, null),
            new VerifyPolicy(ISS, CLIENT, null, null, null, null, null, null), now);
        assertEquals("evt-1", verified.getClaims().jti());

        try (MemoryTransmitter bank = new MemoryTransmitter(new TransmitterConfig(null, null, null, null, null, null, null, null, null, null));
             Receiver tpp = new Receiver(new ReceiverConfig(ISS, CLIENT, jwks, null, null, null, null, null, null, null, null, null, null, null, null, null, null))) {
            EnqueueResult queued = bank.enqueue(token, now);
            assertTrue(queued.getQueued());

            // The TPP polls: the receiver writes the body, the bank answers, the receiver verifies.
            ReceiverRequest poll = tpp.nextRequest(now);
            assertNotNull(poll);
            String answer = bank.handlePoll(CLIENT, poll.getBody(), now, "consumer").getResponseJson();
            ReceiverBatch batch = tpp.handleResponse(poll.getId(), 200, answer, now, null);
            assertNull(batch.getFailure());
            assertEquals("evt-1", batch.getDeliveries().get(0).getJti());
            tpp.ack("evt-1");
            ReceiverRequest ack = tpp.nextRequest(now + 1);
            assertNotNull(ack);
            tpp.handleResponse(ack.getId(), 200, bank.handlePoll(CLIENT, ack.getBody(), now + 1, "").getResponseJson(), now + 1, null);
            assertEquals(0L, bank.size());
        }

        SetpollException.Verify e = assertThrows(SetpollException.Verify.class,
            () -> SetpollKt.verifySet(token + "x", Keyring.Companion.fromJwks(jwks, null),
                new VerifyPolicy(ISS, CLIENT, null, null, null, null, null, null), now));
        assertTrue(e.getCode().length() > 0);

        // JNA extracted the library from the jar's linux-x86-64/ resources.
        String file = NativeLibrary.getInstance("setpoll_uniffi").getFile().getPath();
        assertTrue(!file.contains("target/kotlin/lib"), file);
    }
}
