package dev.jcri.image.unpack;

import dev.jcri.common.InvalidArgumentException;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A number of bytes that unpacking may write, shared by the layers of one pull that unpack side by side; taking
 * more than is left refuses the layer with {@code refusal}.
 */
public final class ByteBudget {

  private final long limit;
  private final String refusal;
  private final AtomicLong taken = new AtomicLong();

  public ByteBudget(long limit, String refusal) {
    this.limit = limit;
    this.refusal = refusal;
  }

  public static ByteBudget unlimited() {
    return new ByteBudget(Long.MAX_VALUE, "");
  }

  /** Takes {@code n} bytes, or throws INVALID_ARGUMENT with the refusal when that passes the limit. */
  public void take(long n) {
    if (n < 0 || taken.addAndGet(n) > limit || taken.get() < 0) {
      throw new InvalidArgumentException(refusal);
    }
  }
}
