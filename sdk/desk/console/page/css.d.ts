/** A stylesheet, bundled by esbuild as its text (the server's `loader: { ".css": "text" }`). */
declare module "*.css" {
  const text: string;
  export default text;
}
