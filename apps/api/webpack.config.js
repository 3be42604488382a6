// The review page (apps/web, built first: see implicitDependencies in project.json) ships
// inside the api's dist folder, where src/app/web-ui.ts serves it.
module.exports = require('../../tools/build/app-webpack.cjs')(__dirname, 'api', {
  assets: [{ input: 'dist/apps/web', glob: '**/*', output: 'web' }],
});
