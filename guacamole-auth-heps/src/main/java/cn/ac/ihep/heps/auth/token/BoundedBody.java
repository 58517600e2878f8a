package cn.ac.ihep.heps.auth.token;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.http.HttpResponse;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Flow;

/**
 * An HTTP response body read up to a limit while it streams in: past the limit the download is
 * cancelled, so a token server or JWKS URL that answers with an endless body costs at most the
 * limit in memory, not whatever it sends before the timeout.
 */
public final class BoundedBody {

    /** The body was larger than the limit (or announced it would be). */
    public static final class TooLargeException extends IOException {
        private static final long serialVersionUID = 1L;

        TooLargeException(int limit) {
            super("answer larger than " + limit + " bytes");
        }
    }

    private BoundedBody() { }

    public static HttpResponse.BodyHandler<byte[]> upTo(int limit) {
        return info -> new Subscriber(limit, info.headers().firstValueAsLong("Content-Length").orElse(-1));
    }

    /** True when {@code e} (or what it wraps) says the body was too large. */
    public static boolean tooLarge(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause())
            if (t instanceof TooLargeException)
                return true;
        return false;
    }

    private static final class Subscriber implements HttpResponse.BodySubscriber<byte[]> {
        private final int limit;
        private final long announced;
        private final ByteArrayOutputStream body = new ByteArrayOutputStream();
        private final CompletableFuture<byte[]> result = new CompletableFuture<>();
        private Flow.Subscription subscription;

        Subscriber(int limit, long announced) {
            this.limit = limit;
            this.announced = announced;
        }

        @Override
        public void onSubscribe(Flow.Subscription subscription) {
            this.subscription = subscription;
            if (announced > limit) {
                subscription.cancel();
                result.completeExceptionally(new TooLargeException(limit));
                return;
            }
            subscription.request(1);
        }

        @Override
        public void onNext(List<ByteBuffer> buffers) {
            if (result.isDone())
                return;
            for (ByteBuffer buffer : buffers) {
                if (body.size() + buffer.remaining() > limit) {
                    subscription.cancel();
                    result.completeExceptionally(new TooLargeException(limit));
                    return;
                }
                byte[] bytes = new byte[buffer.remaining()];
                buffer.get(bytes);
                body.writeBytes(bytes);
            }
            subscription.request(1);
        }

        @Override
        public void onError(Throwable failure) {
            result.completeExceptionally(failure);
        }

        @Override
        public void onComplete() {
            result.complete(body.toByteArray());
        }

        @Override
        public CompletionStage<byte[]> getBody() {
            return result;
        }
    }
}
