package cn.ac.ihep.heps.agent.images.recipe;

import java.util.Map;

/** A component as one beamline uses it, with the inputs this beamline sets for it. */
public record ComponentUse(String name, Map<String, String> inputs) {

    public ComponentUse {
        inputs = Map.copyOf(inputs);
    }
}
