package dev.prefloop.engine.djl.text.tiny;

/**
 * GPT-2's reversible byte-to-character table, the alphabet of byte-level BPE: printable bytes map
 * to themselves, the others to characters from U+0100 on (space becomes 'Ġ'), so that every byte
 * sequence is a string of visible symbols with no spaces (merges are written "left right").
 */
final class ByteLevelAlphabet {

    private static final char[] SYMBOL = table();

    private ByteLevelAlphabet() {}

    /** The symbol of one byte (0..255). */
    static char symbol(int b) {
        return SYMBOL[b & 0xff];
    }

    /** The symbols of a string's UTF-8 bytes. */
    static String encode(String text) {
        byte[] bytes = text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
        StringBuilder sb = new StringBuilder(bytes.length);
        for (byte b : bytes) {
            sb.append(symbol(b));
        }
        return sb.toString();
    }

    private static char[] table() {
        char[] t = new char[256];
        boolean[] printable = new boolean[256];
        for (int b = '!'; b <= '~'; b++) {
            printable[b] = true;
        }
        for (int b = 0xA1; b <= 0xAC; b++) {
            printable[b] = true;
        }
        for (int b = 0xAE; b <= 0xFF; b++) {
            printable[b] = true;
        }
        int next = 0;
        for (int b = 0; b < 256; b++) {
            t[b] = printable[b] ? (char) b : (char) (256 + next++);
        }
        return t;
    }
}
