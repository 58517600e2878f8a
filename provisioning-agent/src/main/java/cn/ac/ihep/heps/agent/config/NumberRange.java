package cn.ac.ihep.heps.agent.config;

/** An inclusive range of uidNumbers or gidNumbers, e.g. 20000-59999. */
public record NumberRange(int first, int last) {

    public boolean contains(int number) {
        return number >= first && number <= last;
    }

    public boolean overlaps(NumberRange other) {
        return first <= other.last && other.first <= last;
    }

    @Override
    public String toString() {
        return first + "-" + last;
    }
}
