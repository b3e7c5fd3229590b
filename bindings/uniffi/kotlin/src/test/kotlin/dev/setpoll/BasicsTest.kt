package dev.setpoll

import java.util.Base64
import kotlin.test.Test
import kotlin.test.assertEquals
import kotlin.test.assertFailsWith
import kotlin.test.assertNull
import kotlin.test.assertTrue

private fun b64(json: String): String =
    Base64.getUrlEncoder().withoutPadding().encodeToString(json.toByteArray())

class BasicsTest {
    @Test
    fun versionIsSemver() {
        assertTrue(Regex("""\d+\.\d+\.\d+""").matches(version()))
    }

    @Test
    fun noopReturns() {
        assertEquals(Unit, noop())
    }

    @Test
    fun setErrCodesCoverBothVocabularies() {
        val codes = setErrCodes()
        assertEquals(18, codes.map { it.code }.toSet().size)
        assertEquals("json", codes.first().code)
        assertEquals(setOf("obie", "rfc8935"), codes.map { it.vocabulary }.toSet())
        assertEquals("rfc8935", setErrCode("invalid_key").vocabulary)
        val unknown = setErrCode("x-custom")
        assertEquals("x-custom", unknown.code)
        assertNull(unknown.vocabulary)
    }

    @Test
    fun timestampHelpers() {
        assertEquals(1_700_000_000_000L, timestampFromSecs(1_700_000_000L))
        assertEquals(1L, timestampAsSecs(1_999L))
        assertEquals(Long.MAX_VALUE, timestampFromSecs(Long.MAX_VALUE))
        val e = assertFailsWith<SetpollException.Argument> { timestampAsSecs(-1L) }
        assertEquals("negative_time", e.code)
    }

    @Test
    fun peekEnvelopeReadsJtiAndAud() {
        val token = "${b64("""{"alg":"ES256"}""")}.${b64("""{"jti":"j1","aud":["a","b"]}""")}.sig"
        val env = peekEnvelope(token)
        assertEquals(SetEnvelope("j1", listOf("a", "b")), env)
    }

    @Test
    fun malformedTokensThrowVerifyWithCodes() {
        for (token in listOf("", "a.b", "a.b.c.d", "x.!!!.y", "x.${b64("[1]")}.y", "a.".repeat(500_000))) {
            val e = assertFailsWith<SetpollException.Verify> { peekEnvelope(token) }
            assertEquals(e.code.lowercase(), e.code)
            assertEquals("obie", setErrCode(e.setErr).vocabulary)
            assertEquals("rfc8935", setErrCode(e.setErrRfc8935).vocabulary)
            assertTrue(e.message!!.contains(e.code))
        }
    }
}
