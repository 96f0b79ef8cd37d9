# The billing service as a container image: the production build run by plain Node, as a non-root user,
# with only runtime dependencies. Every step is a command CI also runs (`npm ci`, `npm run build`,
# `npm ci --omit=dev`, `node build/app/server/main.js`).
#
#   docker build -t billing-service .
#   docker run -p 3000:3000 -e DATABASE_URL=... -e SESSION_SECRET=... -e PUBLIC_URL=... \
#     -e STRIPE_SECRET_KEY=... -e STRIPE_WEBHOOK_SECRET=... billing-service

ARG NODE_VERSION=20

FROM node:${NODE_VERSION}-bookworm-slim AS build
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci
COPY . .
RUN npm run build

FROM node:${NODE_VERSION}-bookworm-slim AS runtime-dependencies
WORKDIR /app
COPY package.json package-lock.json ./
RUN npm ci --omit=dev

FROM node:${NODE_VERSION}-bookworm-slim
WORKDIR /app
ENV NODE_ENV=production \
    HOST=0.0.0.0 \
    PORT=3000
COPY --from=runtime-dependencies --chown=node:node /app/node_modules ./node_modules
COPY --from=build --chown=node:node /app/build ./build
COPY --chown=node:node package.json ./
# Writable by the service's user: the embedded Postgres's data when DATABASE_URL is unset (trying it out;
# production uses its own Postgres) and the development emulator's state.
RUN mkdir -p .data && chown node:node .data
USER node
EXPOSE 3000
# Ready: the database answers and the migrations are applied (/readyz), not just a live process.
HEALTHCHECK --interval=15s --timeout=5s --start-period=60s --retries=3 \
  CMD ["node", "-e", "fetch('http://127.0.0.1:' + (process.env.PORT || 3000) + '/readyz').then((r) => process.exit(r.ok ? 0 : 1), () => process.exit(1))"]
# Node is PID 1 and handles SIGTERM itself: it drains for SHUTDOWN_GRACE_SECONDS (25) and exits 0, so
# give `docker stop` more than that (-t 30; compose: stop_grace_period).
STOPSIGNAL SIGTERM
CMD ["node", "build/app/server/main.js"]
