package cn.ac.ihep.heps.testsupport.guacamole.web.display;

import java.awt.AlphaComposite;
import java.awt.Composite;

/**
 * Guacamole's channel masks ({@code img}, {@code cfill}, {@code copy}) as Porter-Duff
 * compositing rules. guacd draws with OVER; the others appear when it clears non-opaque layers.
 */
final class ChannelMask {
    static final int RIN = 0x1;
    static final int ROUT = 0x2;
    static final int IN = 0x4;
    static final int ATOP = 0x6;
    static final int OUT = 0x8;
    static final int RATOP = 0x9;
    static final int XOR = 0xA;
    static final int ROVER = 0xB;
    static final int SRC = 0xC;
    static final int OVER = 0xE;
    static final int PLUS = 0xF;

    private ChannelMask() {
    }

    static Composite composite(int mask) {
        return switch (mask) {
            case RIN -> AlphaComposite.DstIn;
            case ROUT -> AlphaComposite.DstOut;
            case IN -> AlphaComposite.SrcIn;
            case ATOP -> AlphaComposite.SrcAtop;
            case OUT -> AlphaComposite.SrcOut;
            case RATOP -> AlphaComposite.DstAtop;
            case XOR -> AlphaComposite.Xor;
            case ROVER -> AlphaComposite.DstOver;
            case SRC -> AlphaComposite.Src;
            // PLUS (additive) has no AlphaComposite; OVER is what a desktop's opaque layer looks like.
            default -> AlphaComposite.SrcOver;
        };
    }
}
