import * as rules from '@veza/invite-rules';
import * as settings from '@veza/settings';
import * as db from '@veza/invites-db';
import * as dbTesting from '@veza/invites-db/testing';
import * as email from '@veza/email-templates';
import * as cohort from '@veza/cohort-validator';
import * as gates from '@veza/gate-probes';
import * as mailer from '@veza/invite-mailer';
import * as mailerTesting from '@veza/invite-mailer/testing';
import scenario from './scenario.cjs';

await scenario({ rules, settings, db, dbTesting, email, cohort, gates, mailer, mailerTesting }, 'esm');
