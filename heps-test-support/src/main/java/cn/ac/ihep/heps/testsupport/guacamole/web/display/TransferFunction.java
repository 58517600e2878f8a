package cn.ac.ihep.heps.testsupport.guacamole.web.display;

/**
 * The sixteen bitwise functions of Guacamole's {@code transfer} instruction: bit 0 of the
 * function index gives the result where source and destination bits are both 1, bit 1 where
 * only the source is 1, bit 2 where only the destination is 1, bit 3 where both are 0
 * (SRC = 0x3, DEST = 0x5, XOR = 0x6, OR = 0x7, AND = 0x1 ...). Applied to every channel, alpha included.
 */
final class TransferFunction {
    static final int SRC = 0x3;
    static final int DEST = 0x5;

    private TransferFunction() {
    }

    static int apply(int function, int src, int dst) {
        int result = 0;
        if ((function & 0x1) != 0) {
            result |= src & dst;
        }
        if ((function & 0x2) != 0) {
            result |= src & ~dst;
        }
        if ((function & 0x4) != 0) {
            result |= ~src & dst;
        }
        if ((function & 0x8) != 0) {
            result |= ~src & ~dst;
        }
        return result;
    }
}
