# syntax=docker/dockerfile:1
# widen: the GitHub App (`npm start`, the default command), its queue workers (`widen worker`)
# and the command line (`widen review ...`), in one image. See docs/self-hosting.md.

# build compiles the TypeScript to dist/ with the dev dependencies, then drops them
FROM node:24-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
# --ignore-scripts: `prepare` would build before the sources are here, and no dependency needs
# its install script (the C grammar is loaded from its .wasm file, msgpackr falls back to JS).
RUN npm ci --ignore-scripts --no-audit --no-fund
COPY tsconfig.json tsconfig.build.json app.yml ./
COPY src ./src
# The command line's bundle (dist/bundle/, made with esbuild after tsc).
COPY scripts/bundle.mjs ./scripts/bundle.mjs
# The rule pages `widen explain` prints.
COPY docs/rules ./docs/rules
# Then production dependencies only, without what Node never loads: type declarations and source
# maps (about 90 MB, three quarters of node_modules) and the grammar's C sources (the .wasm is used).
RUN npm run build \
 && npm prune --omit=dev --ignore-scripts --no-audit --no-fund \
 && find node_modules -type f \( -name '*.d.ts' -o -name '*.d.mts' -o -name '*.d.cts' -o -name '*.map' \) -delete \
 && rm -rf node_modules/tree-sitter-c/src \
 && test -f node_modules/tree-sitter-c/tree-sitter-c.wasm \
 && test -f node_modules/web-tree-sitter/tree-sitter.wasm

# runtime holds production dependencies, dist/ and the rule pages only: no compilers, no tests
FROM node:24-bookworm-slim AS runtime
# Node 24's V8 gives the young generation more room than Node 20's, where widen's figures come
# from: a scan of 6.12's mm/ peaked at 320 MB instead of 193 MB, for no speed. With 16 MB
# semi-spaces (Node 20's size) it peaks at 230 MB and runs as fast (docs/self-hosting.md).
# Set NODE_OPTIONS yourself to override it.
ENV NODE_OPTIONS=--max-semi-space-size=16 \
    NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
WORKDIR /app
COPY --from=build /app/package.json /app/package-lock.json /app/app.yml ./
COPY --from=build /app/node_modules ./node_modules
COPY --from=build /app/dist ./dist
COPY --from=build /app/docs ./docs
# `widen` on PATH for the CLI and the workers: docker run IMAGE widen review ...
RUN ln -s /app/dist/cli/main.js /usr/local/bin/widen
USER node
EXPOSE 3000
# No curl in the image: Node's own fetch asks /health, which fails while the App cannot take
# deliveries (its Redis unreachable or refusing its password); /ping only says the process runs.
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.PORT||3000)+'/health').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
# node as PID 1, not npm: SIGTERM from `docker stop` reaches the App, which drains its reviews.
CMD ["node", "dist/github/server.js"]
