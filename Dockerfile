# Herald in a container: the embedded SQLite store in the /data volume by default, or PostgreSQL
# and Redis through HERALD_DATABASE_URL / HERALD_REDIS_URL (see compose.yaml).
FROM node:20-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
COPY tsconfig.json tsconfig.build.json ./
COPY scripts ./scripts
COPY src ./src
# `npm ci` runs the build (the `prepare` script): dist/herald.mjs and the browser client.
RUN npm ci --no-audit --no-fund

FROM node:20-slim
WORKDIR /app
ENV NODE_ENV=production \
    HERALD_HOST=0.0.0.0 \
    HERALD_PORT=9500 \
    HERALD_DATA=/data
COPY package.json package-lock.json ./
# Runtime dependencies only; install scripts are skipped (the build is already done) except the
# native SQLite binding's.
RUN npm ci --omit=dev --ignore-scripts --no-audit --no-fund \
    && npm rebuild better-sqlite3 \
    && npm cache clean --force \
    && mkdir -p /data && chown node:node /data
COPY --from=build /app/dist ./dist
USER node
VOLUME /data
EXPOSE 9500
HEALTHCHECK --interval=10s --timeout=3s --start-period=10s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:'+(process.env.HERALD_PORT||9500)+'/readyz').then(r=>process.exit(r.ok?0:1),()=>process.exit(1))"]
CMD ["node", "dist/herald.mjs", "serve"]
