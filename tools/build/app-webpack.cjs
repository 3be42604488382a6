// The webpack build every Node app shares: a single bundle of the app and the workspace libs,
// with node_modules left external (sharp and onnxruntime-node are native) and a generated
// package.json listing the app's own runtime dependencies, for its container.
const { NxAppWebpackPlugin } = require('@nx/webpack/app-plugin');
const { join } = require('path');

// `assets` lists extra files to copy into the app's dist folder, in NxAppWebpackPlugin's form
// ({ input, glob, output }, input relative to the workspace root).
module.exports = function appWebpackConfig(appDir, name, { assets = [] } = {}) {
  return {
    output: {
      path: join(appDir, '../../dist/apps', name),
      clean: true,
      ...(process.env.NODE_ENV !== 'production' && {
        devtoolModuleFilenameTemplate: '[absolute-resource-path]',
      }),
    },
    plugins: [
      new NxAppWebpackPlugin({
        target: 'node',
        compiler: 'tsc',
        main: './src/main.ts',
        tsConfig: './tsconfig.app.json',
        assets,
        optimization: false,
        outputHashing: 'none',
        generatePackageJson: true,
        sourceMap: true,
      }),
    ],
  };
};
