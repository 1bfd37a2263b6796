# corslint in a container: `docker run --rm -v "$PWD:/src" corslint` lints the mounted checkout.
# Build: the dist profile (stripped, LTO) on Debian; run: distroless (glibc, no shell), non-root.
FROM rust:1.90-slim-bookworm AS build
WORKDIR /build
COPY Cargo.toml Cargo.lock build.rs README.md ./
COPY src ./src
COPY rules ./rules
COPY benches ./benches
RUN cargo build --profile dist --locked --bin corslint

FROM gcr.io/distroless/cc-debian12:nonroot
COPY --from=build /build/target/dist/corslint /usr/local/bin/corslint
WORKDIR /src
# distroless's `nonroot` user, by number so that any runtime can resolve it.
USER 65532:65532
ENTRYPOINT ["/usr/local/bin/corslint"]
CMD ["."]
