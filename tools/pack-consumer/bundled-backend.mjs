// A backend that esbuild bundles (tools/pack-consumer/bundle.mjs) with the
// @veza packages inside: it reads the migrations and compiles the invite
// template from the folders it is given (argv[2], argv[3]), then without them.
import { readMigrationFiles } from '@veza/invites-db';
import { compileInviteTemplate } from '@veza/email-templates';

const settings = {
  frontendUrl: 'https://beta.veza.example',
  feedbackUrl: 'https://forms.example.org/beta',
  discordUrl: 'https://discord.example.org/invite/veza',
  from: 'Veza <beta@veza.example>',
};

async function outcome(run) {
  try {
    await run();
    return 'ok';
  } catch (error) {
    return { code: error.code, message: error.message };
  }
}

// No top-level await: the same file is bundled to CommonJS too.
void (async () => {
  const [, , migrationsDir, templateDir] = process.argv;
  const out = {
    given: {
      migrations: await outcome(() => readMigrationFiles(migrationsDir)),
      template: await outcome(() => compileInviteTemplate({ settings, templateDir })),
    },
    byDefault: {
      migrations: await outcome(() => readMigrationFiles()),
      template: await outcome(() => compileInviteTemplate({ settings })),
    },
  };
  console.log(JSON.stringify(out));
})();
