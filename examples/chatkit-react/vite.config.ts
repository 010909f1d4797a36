import { defineConfig } from "vite";

// `npm run dev`: the app on :5173, /api proxied to the service (./build.sh run listens on 127.0.0.1:8000), so the
// browser sees one origin. The proxy passes Server-Sent Events through unbuffered.
export default defineConfig({
  server: {
    proxy: { "/api": { target: process.env.CHATKIT_SERVICE_URL ?? "http://127.0.0.1:8000", changeOrigin: true } },
  },
});
