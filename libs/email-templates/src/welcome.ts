// The welcome email, apart from the main entry: it needs React and react-email
// (optional peer dependencies), which a backend that only sends invites does not install.
export { WelcomeEmail, buildWelcomeEml, renderWelcomeEmail } from './welcome-email.js';
export type { WelcomeInput } from './welcome-email.js';
