# kbot: build a static binary, run it as a non-root user in a small image.
# The bundled magazine issue is embedded in the binary; the index and the
# embedding cache live in the /data volume.

FROM golang:1.26-bookworm AS build
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY . .
# .ci/run builds with this same line, so CI proves it compiles.
RUN CGO_ENABLED=0 go build -trimpath -ldflags="-s -w" -o /out/kbot ./cmd/kbot
RUN mkdir -p /out/data

# distroless/static: CA certificates, /etc/passwd with the nonroot user
# (65532), no shell.
FROM gcr.io/distroless/static-debian12:nonroot
COPY --from=build /out/kbot /usr/local/bin/kbot
COPY --from=build --chown=65532:65532 /out/data /data
ENV KBOT_DATA_DIR=/data \
    KBOT_HTTP_ADDR=0.0.0.0:8080
VOLUME ["/data"]
EXPOSE 8080
USER 65532:65532
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["/usr/local/bin/kbot", "health"]
ENTRYPOINT ["/usr/local/bin/kbot"]
CMD ["serve"]
