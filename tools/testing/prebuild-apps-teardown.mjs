// Jest globalTeardown of the app projects: see prebuild-apps.mjs.
import { removePrebuiltApps } from './prebuild-apps.mjs';

export default function globalTeardown() {
  removePrebuiltApps();
}
